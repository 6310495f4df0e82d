# Compile-time declarations for the compiled build only (hatch_build.py): Cython reads this file beside ledger.py,
# which stays plain Python and is what runs uncompiled. The Ledger becomes an extension type with typed attributes,
# and its hot methods C-callable (cpdef) with typed locals, which saves the interpreter's attribute and call
# dispatch in every ledger event (about 6 % of a bulk run's instructions, with ctx.pxd).
#
# Every typed local holds a container the ledger itself builds (the trie nodes, the stacks, the record of what is
# recorded): never a value of the document, whose type the ledger does not choose. No C number types: Python's
# integers stay unbounded. A typed local may hold None as in Python; the module is compiled with nonecheck, so a
# method called on None raises AttributeError as in Python instead of crashing.
import cython

cdef class Ledger:
    cdef public object source
    cdef public dict root
    cdef public object step
    cdef public dict _recorded
    cdef public dict _by_path
    cdef public list _created
    cdef public set _seen

    @cython.locals(done=dict, nxt=dict, by_path=dict, seen=set, stack=list, below=list, node=dict, child=dict,
                   there=list)
    cpdef _record(self, path)
    @cython.locals(node=dict, nxt=dict)
    cpdef _node(self, path, create=*)
    @cython.locals(node=dict, out=list, stack=list, n=dict)
    cpdef list detach(self, path, parent=*)
    @cython.locals(found=list, parent=dict, node=dict, there=list)
    cpdef tuple _above(self, path)
    @cython.locals(locs=set, node=dict, there=list)
    cpdef attach(self, path, origin)
    @cython.locals(out=list, stack=list)
    cpdef list take(self, path)
    @cython.locals(done=dict, children=list, buckets=list, index=dict, kept=list, bucket=list)
    cpdef _build(self, path, value, done)
    @cython.locals(above=list, moved=list)
    cpdef relocate(self, src, dsts, status, reason=*, whole=*)
    @cython.locals(out=list, votes=dict, tally=dict)
    cpdef _emit(self, node, out, inherited)

cpdef _fate(o, depth)
cpdef dict _entry(path, o, to)
cpdef _one_or_more(value)
cpdef _members(value)
cpdef _is_leaf(value)
cpdef _all_of(buckets, fate)
cpdef _note(o, status, reason, step)
