#!/usr/bin/env bash
# Debian packages the test suite and the benchmarks use as real peers:
#   dcmtk (echoscu, storescu, dcmsend, storescp, dcmodify, dcmcjpeg, dcmcjpls, dcmcrle),
#   GDCM (gdcmconv: JPEG 2000 fixtures), Orthanc (the PACS peer for benchmarks and PACS tests),
#   docker-compose (static check of docker/compose.yaml; no Docker engine runs here),
#   Python with PyTorch/ONNX (the trainer's smoke run and preprocessing parity),
#   python3-hl7 (the independent MLLP peer playing the RIS), poppler-utils (pdftotext/pdftoppm).
set -euo pipefail
packages=(dcmtk libgdcm-tools orthanc orthanc-dicomweb docker-compose python3-hl7 poppler-utils fonts-dejavu-core chromium
  python3-torch python3-torchvision python3-onnx python3-numpy python3-pil)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run this script as root)" >&2
    exit 1
  fi
  apt-get update -qq
  # Installing Orthanc must not start a system service on a CI box.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "test peers installed: ${packages[*]}"
