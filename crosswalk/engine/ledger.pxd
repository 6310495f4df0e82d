# Compile-time declarations for the compiled build only (hatch_build.py): Cython reads this file beside ledger.py,
# which stays plain Python and is what runs uncompiled. The Ledger becomes an extension type with typed attributes,
# and its hot methods C-callable (cpdef) with typed locals, which saves the interpreter's attribute and call
# dispatch in every ledger event (about 6 % of a bulk run's instructions, with ctx.pxd).
#
# Every typed local holds a container the ledger itself builds (the trie nodes, the stacks, the record of what is
# recorded), or a value of the document whose exact type the code has just checked (_record's ``members``): never
# another value of the document, whose type the ledger does not choose. No C number types: Python's
# integers stay unbounded. A typed local may hold None as in Python; the module is compiled with nonecheck, so a
# method called on None raises AttributeError as in Python instead of crashing.
import cython

# An Origin's fields as C struct members: every read and write of one in the compiled ledger is a field access, not
# an attribute look-up, and making one costs no keyword handling of a generated __init__. Its own types only: the
# containers it makes itself, and booleans; what a caller hands over (paths, statuses, steps) stays an object.
cdef class Origin:
    cdef public object path
    cdef public object status
    cdef public list reasons
    cdef public object step
    cdef public set locs
    cdef public bint created
    cdef public bint empty
    cdef public object whole_at

# A node of the report fold (``_build`` makes them, ``_emit`` reads them), likewise.
cdef class _FoldNode:
    cdef public object path
    cdef public list children
    cdef public list buckets

cdef class Ledger:
    cdef public object source
    cdef public dict root
    cdef public object step
    cdef public dict _recorded
    cdef public dict _by_path
    cdef public list _created
    cdef public set _seen
    cdef public object source_leaves

    @cython.locals(done=dict, nxt=dict, by_path=dict, seen=set, stack=list, below=list, node=dict, child=dict,
                   there=list, o=Origin, members=dict)
    cpdef _record(self, path)
    @cython.locals(node=dict, nxt=dict)
    cpdef _node(self, path, create=*)
    @cython.locals(node=dict, out=list, o=Origin)
    cpdef list detach(self, path, parent=*)
    @cython.locals(found=list, parent=dict, node=dict, there=list, o=Origin)
    cpdef tuple _above(self, path, bint record=*)
    @cython.locals(locs=set, node=dict, there=list)
    cpdef attach(self, path, Origin origin)
    @cython.locals(out=list, stack=list)
    cpdef list take(self, path)
    @cython.locals(done=dict, children=list, buckets=list, index=dict, kept=list, bucket=list, first=Origin,
                   child=_FoldNode)
    cpdef _FoldNode _build(self, path, value, done)
    @cython.locals(above=list, moved=list, o=Origin)
    cpdef relocate(self, src, dsts, status, reason=*, whole=*, into=*)
    @cython.locals(done=dict, nxt=dict, members=dict, node=dict, above=list, o=Origin, by_path=dict, seen=set,
                   made=list, stack=list, below=list, parent=dict, grown=list, reached=dict)
    cpdef list _relocate_fresh(self, src, dsts, status, reason, into)
    @cython.locals(out=list, votes=dict, tally=dict)
    cpdef _emit(self, _FoldNode node, out, inherited)
    @cython.locals(missing=set, stack=list, node=dict, members=dict)
    cpdef list unplaced(self, output)

cpdef _fate(Origin o, depth)
cpdef dict _entry(path, Origin o, to)
cpdef _one_or_more(value)
cpdef _members(value)
cpdef _is_leaf(value)
cpdef _all_of(buckets, fate)
@cython.locals(out=list, stack=list, n=dict, o=Origin)
cpdef list _under(dict node)
cpdef _below(list moved)
cpdef _scalars(doc, paths)
cpdef _note(Origin o, status, reason, step)
@cython.locals(o=Origin)
cpdef Origin _kept_origin(path, bint empty, set locs)
@cython.locals(o=Origin, members=list)
cpdef dict _grown(here, at, value, dict by_path, set seen, list made)
# the remembered results (ledger.py): C globals, each look-up a direct dict call
cdef dict _POINTERS, _BASED, _LIFTED, _LOWERED
cdef tuple _INDEX_KEYS
cdef dict _NOTHING
