"""Sanity checks on the project virtualenv, run by `make setup` after installing.

Fails (exit 1) when the environment would work on the surface but is wrong:
  * torch is not the CPU build (a CUDA build drags in GBs of nvidia-* wheels;
    it happens when torch is resolved from PyPI instead of the local CPU wheel)
  * any nvidia-* distribution is installed
  * not exactly one OpenCV distribution, or it is not opencv-python-headless
    (opencv-python and the headless one both install the same `cv2` package
    and silently overwrite each other; the GUI one also needs libGL)
Uses package metadata only (nothing is imported), so it takes well under a second.
"""

from __future__ import annotations

import sys
from importlib import metadata

OPENCV_DISTS = {
    "opencv-python",
    "opencv-python-headless",
    "opencv-contrib-python",
    "opencv-contrib-python-headless",
}


def norm(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def main() -> int:
    installed = {norm(d.metadata["Name"]): d.version for d in metadata.distributions() if d.metadata["Name"]}
    errors: list[str] = []

    torch = installed.get("torch")
    if torch is None:
        errors.append("torch is not installed")
    elif not torch.endswith("+cpu"):
        errors.append(
            f"torch {torch} is not the CPU build (expected +cpu). pip must find the CPU wheel "
            "(pip find-links /opt/wheels, see /etc/pip.conf or PIP_FIND_LINKS) before PyPI."
        )

    nvidia = sorted(n for n in installed if n.startswith("nvidia-"))
    if nvidia:
        errors.append("CUDA packages installed (expected none): " + ", ".join(nvidia))

    opencv = sorted(n for n in installed if n in OPENCV_DISTS)
    if opencv != ["opencv-python-headless"]:
        errors.append(
            "expected exactly one OpenCV distribution, opencv-python-headless; found: "
            + (", ".join(f"{n}=={installed[n]}" for n in opencv) or "none")
            + " (a dependency pulls in another one; uninstall it, then `pip install --force-reinstall` opencv-python-headless, since both share the cv2 files)"
        )

    if errors:
        for e in errors:
            print(f"check-venv: ERROR: {e}", file=sys.stderr)
        return 1
    print(f"check-venv: ok (torch {torch}, opencv-python-headless {installed['opencv-python-headless']}, no nvidia-*)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
