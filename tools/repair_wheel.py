"""cibuildwheel's repair step on Linux: ``auditwheel repair`` for wheels with
a compiled extension; a wheel without one (CPython 3.13+, where nothing is
compiled) gets the platform tag of the image instead ($AUDITWHEEL_PLAT,
e.g. manylinux2014_x86_64), which auditwheel refuses to give a wheel with no
binary.  Such a wheel keeps its cpXY-cpXY tags, so that no other
interpreter picks it.

    python tools/repair_wheel.py WHEEL DEST_DIR

Standard library only.
"""

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile


def has_binary(wheel):
    with zipfile.ZipFile(wheel) as z:
        return any(n.endswith((".so", ".pyd", ".dylib"))
                   for n in z.namelist())


def retag(wheel, dest_dir, platform):
    """Copy *wheel* to *dest_dir* with platform tag *platform* (which may
    hold several, joined by dots); returns the new path."""
    name = os.path.basename(wheel)
    match = re.match(r"^(.+)-([^-]+)-([^-]+)-([^-]+)\.whl$", name)
    if match is None:
        raise SystemExit("repair_wheel: not a wheel name: %s" % name)
    dist, python, abi, _ = match.groups()
    new_name = "%s-%s-%s-%s.whl" % (dist, python, abi, platform)
    target = os.path.join(dest_dir, new_name)
    with zipfile.ZipFile(wheel) as src, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        names = src.namelist()
        wheel_file = [n for n in names if n.endswith(".dist-info/WHEEL")][0]
        record = [n for n in names if n.endswith(".dist-info/RECORD")][0]
        text = src.read(wheel_file).decode("utf-8")
        lines = [l for l in text.splitlines() if not l.startswith("Tag:")]
        for plat in platform.split("."):
            lines.append("Tag: %s-%s-%s" % (python, abi, plat))
        new_wheel = ("\n".join(lines) + "\n").encode("utf-8")
        digest = base64.urlsafe_b64encode(
            hashlib.sha256(new_wheel).digest()).rstrip(b"=").decode()
        rows = []
        for row in src.read(record).decode("utf-8").splitlines():
            if row.startswith(wheel_file + ","):
                row = "%s,sha256=%s,%d" % (wheel_file, digest, len(new_wheel))
            rows.append(row)
        for item in src.infolist():
            if item.filename == wheel_file:
                out.writestr(item, new_wheel)
            elif item.filename == record:
                out.writestr(item, "\n".join(rows) + "\n")
            else:
                out.writestr(item, src.read(item.filename))
    return target


def main(argv):
    if len(argv) != 2:
        raise SystemExit(__doc__)
    wheel, dest_dir = argv
    if has_binary(wheel):
        return subprocess.call(["auditwheel", "repair", "-w", dest_dir,
                                wheel])
    platform = os.environ.get("AUDITWHEEL_PLAT")
    if not platform:
        raise SystemExit("repair_wheel: AUDITWHEEL_PLAT is not set "
                         "(not in a manylinux/musllinux image?)")
    if not os.path.isdir(dest_dir):
        os.makedirs(dest_dir)
    print("repair_wheel: no binary in %s: tagged %s"
          % (os.path.basename(retag(wheel, dest_dir, platform)), platform))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
