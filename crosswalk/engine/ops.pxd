# Compile-time declarations for the compiled build only (read by Cython, never by Python): the loop that runs every
# rule of a document takes its Ctx typed (engine/ctx.pxd), so the attributes it sets for each rule are C fields
# and `each` runs its nested rules through a C call. Compiled with nonecheck; compiled, the context must be a Ctx
# (anything else is a TypeError at the call), as every caller passes.
from crosswalk.engine.ctx cimport Ctx

cpdef apply(mapping, Ctx ctx)
cpdef run_rules(rules, Ctx ctx)
