"""Build hook: compile the lfe C ABI library with cargo and ship it inside the package.

``pip install ./bindings/python`` and ``pip wheel ./bindings/python`` build the ``lfe-capi``
crate (bindings/c) with setuptools-rust as a plain cdylib (no Python binding: the package talks
to it through ctypes) and install it as ``lfe/_native/liblfe.so.<ABI>``, which is where
``lfe/_lib.py`` looks second, after ``LFE_LIBRARY``. The library keeps its SONAME
(``liblfe.so.<ABI>``, from bindings/c/build.rs), and on import ``_lib.py`` checks
``lfe_abi_version()`` against the binding's ``ABI_VERSION``.

Where the Rust sources are:

* building from a checkout (pip builds in place): the Cargo workspace two levels up;
* building from an sdist: ``rust/`` inside it, a copy of the workspace crates that
  :class:`SdistWithRustSources` writes into the sdist.

Prerequisite: a Rust toolchain >= 1.85 (cargo on PATH) at build time; the wheel needs none.
``CARGO_TARGET_DIR`` is honoured (the repository's tests point it at the already-built target/).
"""

import re
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.sdist import sdist
from setuptools_rust import Binding, RustExtension, Strip
from setuptools_rust.build import build_rust

HERE = Path(__file__).resolve().parent
RUST_VERSION = ">=1.85"

# The workspace files the C ABI crate needs to build, relative to the workspace root. The root
# Cargo.toml lists every member and declares the core's benches, so those come along too (cargo
# refuses a manifest whose declared targets or members are missing); tests/, examples/, fuzz/
# and the benchmark data are not needed to build a library.
WORKSPACE_FILES = ["Cargo.toml", "Cargo.lock", "README.md"]
WORKSPACE_TREES = ["src", "bindings/c/src", "benches/baselines", "benches/compare"]
WORKSPACE_GLOBS = ["benches/*.rs", "bindings/c/Cargo.toml", "bindings/c/build.rs",
                   "bindings/c/lfe.map", "bindings/c/cbindgen.toml"]


def _abi() -> str:
    text = (HERE / "lfe" / "_types.py").read_text()
    return re.search(r"^ABI_VERSION = (\d+)", text, re.M).group(1)


def _workspace() -> Path:
    """The Cargo workspace root: the sdist's copy if there is one, else the checkout's."""
    bundled = HERE / "rust"
    if (bundled / "Cargo.toml").is_file():
        return bundled
    repo = HERE.parents[1]
    if (repo / "bindings" / "c" / "Cargo.toml").is_file():
        return repo
    sys.exit(
        "lfe: cannot find the Rust sources (expected ../../bindings/c/Cargo.toml in a checkout "
        "or rust/ in an sdist)"
    )


def _library_file_name() -> str:
    if sys.platform == "darwin":
        return f"liblfe.{_abi()}.dylib"
    if sys.platform == "win32":
        return "lfe.dll"
    return f"liblfe.so.{_abi()}"


class BuildRustLibrary(build_rust):
    """Installs the cdylib under the name the C world and ``_lib.py`` use (``liblfe.so.1``),
    not under a Python extension-module name (``liblfe.cpython-311-x86_64-linux-gnu.so``)."""

    def get_dylib_ext_path(self, ext, target_fname):
        default = Path(super().get_dylib_ext_path(ext, target_fname))
        return str(default.with_name(_library_file_name()))


class SdistWithRustSources(sdist):
    """Copies the workspace crates into ``rust/`` of the sdist, so it builds on its own."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        src = _workspace()
        dest = Path(base_dir) / "rust"
        dest.mkdir(parents=True, exist_ok=True)
        for name in WORKSPACE_FILES:
            shutil.copy2(src / name, dest / name)
        for pattern in WORKSPACE_GLOBS:
            for p in src.glob(pattern):
                (dest / p.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(p, dest / p.relative_to(src))
        for tree in WORKSPACE_TREES:
            shutil.copytree(src / tree, dest / tree, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("target", "__pycache__"))


try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel


class PlatformWheel(bdist_wheel):
    """The wheel holds a native library but no Python extension module: it fits every Python 3
    on this platform (``py3-none-<platform>``), not only the interpreter that built it."""

    def get_tag(self):
        _, _, plat = super().get_tag()
        return "py3", "none", plat


setup(
    rust_extensions=[
        RustExtension(
            "lfe._native.liblfe",
            path=str(_workspace() / "bindings" / "c" / "Cargo.toml"),
            binding=Binding.NoBinding,
            rust_version=RUST_VERSION,
            strip=Strip.Debug,
        )
    ],
    cmdclass={"build_rust": BuildRustLibrary, "sdist": SdistWithRustSources,
              "bdist_wheel": PlatformWheel},
)
