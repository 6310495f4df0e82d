# Compile-time declarations for the compiled build only (read by Cython, never by Python): the three functions every
# rule step runs through as C functions, so that the modules that cimport this one (engine/ctx.pxd) call them
# directly instead of through a Python call. Plain Python callers see the same functions.
cpdef get(doc, path, default=*)
cpdef exists(doc, path)
cpdef put(doc, path, value)
