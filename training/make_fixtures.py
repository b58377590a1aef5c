"""Build test/fixtures/fracatlas: a few VALIDATION-split FracAtlas images (seed 42 split),
shrunk to <= 512 px max side (aspect kept; normalised boxes stay valid), with their
labels.csv / boxes.csv rows.

usage: /usr/bin/python3 training/make_fixtures.py /work/shared/datasets/fracatlas test/fixtures/fracatlas
"""
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import read_folder, split_groups  # noqa: E402

IDS = [  # fractured
    "IMG0000466.jpg", "IMG0001073.jpg", "IMG0000479.jpg", "IMG0000822.jpg", "IMG0000188.jpg", "IMG0000206.jpg",
    "IMG0002448.jpg", "IMG0002503.jpg", "IMG0000758.jpg", "IMG0001916.jpg",
    # not fractured
    "IMG0000045.jpg", "IMG0000101.jpg", "IMG0000042.jpg", "IMG0000047.jpg", "IMG0000110.jpg", "IMG0000462.jpg",
    "IMG0000040.jpg", "IMG0000218.jpg",
]
MAX_SIDE = 512


def main():
    src, dst = sys.argv[1], sys.argv[2]
    from PIL import Image
    rows = [r for r in read_folder(src) if r["fractured"] >= 0]
    _, va = split_groups(rows, 0.2, 42)
    val_ids = {rows[i]["image_id"] for i in va}
    missing = [i for i in IDS if i not in val_ids]
    if missing:
        raise SystemExit(f"not in validation split: {missing}")
    os.makedirs(os.path.join(dst, "images"), exist_ok=True)
    for iid in IDS:
        with Image.open(os.path.join(src, "images", iid)) as im:
            im = im.convert("L")
            w, h = im.size
            if max(w, h) > MAX_SIDE:
                s = MAX_SIDE / max(w, h)
                im = im.resize((max(1, round(w * s)), max(1, round(h * s))), Image.LANCZOS)
            im.save(os.path.join(dst, "images", iid), quality=88)
    for name in ("labels.csv", "boxes.csv"):
        with open(os.path.join(src, name), newline="") as f:
            rd = list(csv.reader(f))
        with open(os.path.join(dst, name), "w", newline="") as f:
            wr = csv.writer(f, lineterminator="\n")
            wr.writerow(rd[0])
            for r in rd[1:]:
                if r and r[0] in IDS:
                    wr.writerow(r)
    print(f"wrote {len(IDS)} images to {dst}")


if __name__ == "__main__":
    main()
