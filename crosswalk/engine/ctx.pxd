# Compile-time declarations for the compiled build only (see ledger.pxd): Ctx as an extension type whose ledger is
# typed, so each ledger event a rule reports is a direct C call into the compiled Ledger. Compiled with nonecheck:
# a Ctx without a ledger (None) raises AttributeError at its first event, as in Python. Compiled, a Ctx has the
# attributes below and no others, and its ledger must be a Ledger (anything else is a TypeError when it is made).
from crosswalk.engine.ledger cimport Ledger
from crosswalk.language cimport pointer

cdef class Ctx:
    cdef public object doc
    cdef public Ledger _ledger
    cdef public object href
    cdef public object fill
    cdef public object options
    cdef public object base
    cdef public object current
    cdef public object last_read
    cdef public object target

    # Its readers and writer as C methods too: the Ctx's own methods call them, and they call pointer's functions
    # (language/pointer.pxd), directly; from Python they are the same methods.
    cpdef get(self, path, default=*)
    cpdef has(self, path)
    cpdef put(self, path, value)
