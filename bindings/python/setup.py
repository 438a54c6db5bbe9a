"""Build hook: bundle the already-built lfe shared library into the package.

``pip install bindings/python`` (after ``make lib``) copies ``build/lib/liblfe.so.<ABI>`` from
the repository (or the file named by ``LFE_LIBRARY``) into ``lfe/_native/`` of the installed
package, which is where the package looks second (after ``LFE_LIBRARY``). Without a built
library the package installs as pure Python and uses the system loader.
"""

import os
import re
import shutil
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _abi() -> str:
    text = (HERE / "lfe" / "_types.py").read_text()
    return re.search(r"^ABI_VERSION = (\d+)", text, re.M).group(1)


def _find_library():
    env = os.environ.get("LFE_LIBRARY")
    if env and Path(env).is_file():
        return Path(env)
    name = f"liblfe.so.{_abi()}"
    for parent in [HERE, *HERE.parents]:
        p = parent / "build" / "lib" / name
        if p.exists():
            return p
    return None


class BuildPyWithLibrary(build_py):
    def run(self):
        super().run()
        src = _find_library()
        if src is None:
            print("lfe: no built library found (run `make lib`); installing without a bundled copy")
            return
        dest_dir = Path(self.build_lib) / "lfe" / "_native"
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = dest_dir / f"liblfe.so.{_abi()}"
        shutil.copyfile(src.resolve(), dest)
        print(f"lfe: bundled {src} as {dest}")


class BinaryDistribution(Distribution):
    """The wheel carries a shared library: tag it for this platform, not as pure Python."""

    def has_ext_modules(self):
        return _find_library() is not None


setup(cmdclass={"build_py": BuildPyWithLibrary}, distclass=BinaryDistribution)
