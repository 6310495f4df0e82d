"""Wheel build hook: the modules a conversion runs through, compiled by Cython into C extensions.

The modules stay plain Python (no Cython syntax, no runtime dependency): Cython compiles the .py files as they are,
which runs the same code without the interpreter's dispatch, about 30 % less CPU per document in a bulk run; the
ledger, Ctx, ops and pointer modules also have augmenting .pxd files (typed attributes, locals and C-callable
functions, read only by Cython). The .py files ship beside the extensions (Python imports an extension before a
source file of the same name) and are what runs where none was built. The list of modules is ``compiled`` in
``[tool.hatch.build.targets.wheel.hooks.custom]``.

Only a regular wheel is compiled: an editable install runs the source tree, so an edited module is never shadowed by
a stale extension. ``CROSSWALK_PURE_PYTHON=1`` builds a pure-Python wheel; so does a machine without a C compiler
(the build says why on stderr and goes on).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# Compiled exactly as Python runs them: annotations are not types to Cython, functions stay introspectable.
DIRECTIVES = {"language_level": 3, "annotation_typing": False, "binding": True}
# A module with an augmenting .pxd beside it (typed attributes and locals, read only by Cython) is also compiled
# with nonecheck: a typed value that is None then raises AttributeError as in Python, never crashes the process.
TYPED = {"nonecheck": True}
# -O2 without debug information, for the build's time: with the interpreter's own flags (-O3 -g) the modules took
# about 40 % longer to compile (the speed of the result was not compared).
CFLAGS = ["-O2", "-g0"]


class CompiledModulesHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable" or os.environ.get("CROSSWALK_PURE_PYTHON"):
            return
        self._work = tempfile.mkdtemp(prefix="crosswalk-build-")
        try:
            built = self._compile(self.config.get("compiled", []))
        except Exception as e:  # noqa: BLE001 - no compiler, no Cython: the pure-Python wheel still works
            print(f"crosswalk: modules not compiled ({type(e).__name__}: {e}); building a pure-Python wheel",
                  file=sys.stderr)
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True  # the extensions are for this interpreter and platform only
        build_data["force_include"].update(built)

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if getattr(self, "_work", None):
            shutil.rmtree(self._work, ignore_errors=True)

    def _compile(self, modules: list[str]) -> dict[str, str]:
        """Compile ``modules`` (paths of .py files relative to the project root) into ``self._work``; returns each
        extension's path there mapped to its place in the wheel."""
        from Cython.Build import cythonize
        from setuptools import Distribution, Extension

        jobs = os.cpu_count() or 1
        # paths relative to the root (cythonize writes the C file of an absolute path beside the source)
        extensions = [Extension(path[: -len(".py")].replace("/", "."), [path], extra_compile_args=CFLAGS)
                      for path in modules]
        here = os.getcwd()
        os.chdir(self.root)
        try:
            typed = [e for e in extensions if os.path.exists(e.sources[0][: -len(".py")] + ".pxd")]
            plain = [e for e in extensions if e not in typed]
            extensions = [
                *cythonize(plain, build_dir=os.path.join(self._work, "c"), compiler_directives=DIRECTIVES,
                           nthreads=jobs, quiet=True),
                *cythonize(typed, build_dir=os.path.join(self._work, "c"), compiler_directives={**DIRECTIVES, **TYPED},
                           nthreads=jobs, quiet=True),
            ]
        finally:
            os.chdir(here)
        build = Distribution({"ext_modules": extensions, "script_name": "setup.py"}).get_command_obj("build_ext")
        build.build_lib = os.path.join(self._work, "lib")
        build.build_temp = os.path.join(self._work, "tmp")
        build.parallel = jobs
        build.ensure_finalized()
        build.run()
        built = {}
        for ext in extensions:
            path = build.get_ext_fullpath(ext.name)
            built[path] = os.path.relpath(path, build.build_lib)
        return built
