#!/usr/bin/python3
"""An independent RIS for Osteon's HL7 tests, on Debian's python3-hl7 (run with /usr/bin/python3).

serve: an MLLP server (hl7.mllp.start_hl7_server). Each received message is appended as one
  JSON line {"raw", "controlId", "ack"} to --log. The ACK code comes from --mode, a JSON file
  {"acks": ["AE", "AA"], "default": "AA", "text": "..."} re-read for every message: the first
  code of "acks" is used and removed, then "default"; "NONE" sends no ACK at all.
  Prints "READY <port>" once listening.
send: connects with hl7.mllp.open_hl7_connection and plays --script, a JSON list of steps:
  {"message": "MSH|..."} writes one framed message, {"raw": "..."} writes bytes as they are
  (latin-1), {"read": true} waits for one framed reply. Prints the replies as a JSON list.
  --source connects from another local address; --tls-ca/--tls-cert/--tls-key speak MLLP over TLS.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys

import hl7
from hl7.mllp import open_hl7_connection, start_hl7_server


def next_ack(mode_path):
    mode = {"acks": [], "default": "AA", "text": ""}
    if mode_path and os.path.exists(mode_path):
        with open(mode_path) as handle:
            mode.update(json.load(handle))
    code = mode["default"]
    if mode["acks"]:
        code = mode["acks"].pop(0)
        with open(mode_path + ".tmp", "w") as handle:
            json.dump(mode, handle)
        os.replace(mode_path + ".tmp", mode_path)
    return code, mode.get("text", "")


def ack_for(message, code, text):
    ack = str(message.create_ack(ack_code=code, application="RIS", facility="RADIOLOGY")).rstrip("\r")
    if text:
        # MSA is the last segment: append MSA-3, then an ERR with the same text in ERR-8.
        ack += "|" + text + "\rERR|||207^Application internal error^HL70357|E||||" + text
    return hl7.parse(ack)


async def serve(args):
    async def on_connection(reader, writer):
        try:
            while not writer.is_closing():
                message = await reader.readmessage()
                code, text = next_ack(args.mode)
                with open(args.log, "a") as log:
                    log.write(json.dumps({"raw": str(message), "controlId": str(message.segment("MSH")[10]), "ack": code}) + "\n")
                if code != "NONE":
                    writer.writemessage(ack_for(message, code, text if code != "AA" else ""))
                    await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()

    server = await start_hl7_server(on_connection, host="127.0.0.1", port=args.port)
    print("READY %d" % args.port, flush=True)
    async with server:
        await server.serve_forever()


async def send(args):
    with open(args.script) as handle:
        steps = json.load(handle)
    options = {}
    if args.source:
        options["local_addr"] = (args.source, 0)
    if args.tls_ca:
        context = ssl.create_default_context(cafile=args.tls_ca)
        context.check_hostname = False
        if args.tls_cert:
            context.load_cert_chain(args.tls_cert, args.tls_key)
        options["ssl"] = context
    try:
        reader, writer = await open_hl7_connection("127.0.0.1", args.port, **options)
    except (ssl.SSLError, ConnectionError, OSError) as error:
        print(json.dumps({"connectError": str(error)}), flush=True)
        return
    replies = []
    for step in steps:
        if "message" in step:
            writer.writeblock(step["message"].encode("utf-8"))
        elif "raw" in step:
            writer.write(step["raw"].encode("latin-1"))
        elif step.get("read"):
            try:
                block = await asyncio.wait_for(reader.readblock(), timeout=args.timeout)
            except (asyncio.IncompleteReadError, ssl.SSLError, ConnectionError) as error:
                # A TLS server that refused our certificate closes the connection instead of answering.
                replies.append("CLOSED: %s" % error)
                break
            replies.append(block.decode("utf-8"))
        await writer.drain()
    writer.close()
    print(json.dumps(replies), flush=True)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    serve_parser = sub.add_parser("serve")
    serve_parser.add_argument("--port", type=int, required=True)
    serve_parser.add_argument("--log", required=True)
    serve_parser.add_argument("--mode")
    send_parser = sub.add_parser("send")
    send_parser.add_argument("--port", type=int, required=True)
    send_parser.add_argument("--script", required=True)
    send_parser.add_argument("--timeout", type=float, default=20)
    send_parser.add_argument("--source", help="local address to connect from (e.g. 127.0.0.2)")
    send_parser.add_argument("--tls-ca", help="MLLP over TLS: trust this CA for the server certificate")
    send_parser.add_argument("--tls-cert", help="client certificate (PEM) to present")
    send_parser.add_argument("--tls-key", help="its private key (PEM)")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args) if args.command == "serve" else send(args))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
