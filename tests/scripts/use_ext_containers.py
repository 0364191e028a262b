# Calls tests/fixtures/ext_containers.c: lists, dicts, sets and capsules from C, including
# the macro-level reads and writes the bridge mirrors. Run under CPython 3.11 and DX-Py;
# the outputs must match.
import gc
import sys

import ext_containers as m

try:
    import _dxpy
except ImportError:
    _dxpy = None


def show(label, f, *args):
    try:
        print(label, repr(f(*args)))
    except Exception as e:
        msg = str(e)
        # CPython's PyErr_BadInternalCall names its own source line ("Objects/x.c:160: ").
        if isinstance(e, SystemError) and msg.startswith("Objects/"):
            msg = msg.split(": ", 1)[1]
        print(label, type(e).__name__, msg)


class MyList(list):
    def sort(self):
        raise AssertionError("PyList_Sort must not call an override")


class MyDict(dict):
    def __getitem__(self, k):
        raise AssertionError("PyDict_GetItem must not call an override")


class Unhashable:
    __hash__ = None


class Mapping:
    """Not a dict: PyDict_Merge goes through keys() and item access."""

    def keys(self):
        return ["a", "z"]

    def __getitem__(self, k):
        return k * 2


for c in (MyList, MyDict, Unhashable, Mapping):
    m.contains_self([0, c])
before = _dxpy.live_proxies() if _dxpy else 0

# Lists C builds
show("build_set_item", m.build_set_item, 5)
show("build_set_item-0", m.build_set_item, 0)
show("build_set_item-neg", m.build_set_item, -1)
show("build_append", m.build_append, 4)
big = m.build_append(300)
print("build_append-300", len(big), sum(len(x) for x in big), big[-1][-1])
print("fresh_refcounts", m.fresh_refcounts()[1:])
show("fresh_insert", m.fresh_insert, (0, 0, 5, -1, -100, 2))

# Reads and errors
lst = [10, 20, 30]
show("size", m.size, lst)
show("size-tuple", m.size, (1, 2))
show("get_size", m.get_size, lst)
show("getitem", m.getitem, lst, 1)
show("getitem-neg", m.getitem, lst, -1)
show("getitem-out", m.getitem, lst, 3)
show("getitem-notlist", m.getitem, (1,), 0)
show("macro_items", m.macro_items, lst)
show("macro_items-sub", m.macro_items, MyList([1, 2]))

# Writes through the API and through the macro
show("setitem", m.setitem, lst, 0, "a")
print("after setitem", lst)
show("setitem-out", m.setitem, lst, 5, "x")
show("setitem-notlist", m.setitem, {}, 0, "x")
show("set_macro", m.set_macro, lst, 2, "c")
print("after set_macro", lst, m.macro_items(lst))
show("set_macro_loop", m.set_macro_loop, lst, 50)
print("after set_macro_loop", lst)
seen = []
show("write_then_call", m.write_then_call, lst, "w", lambda l: seen.append(list(l)))
print("callback saw", seen, "after", lst)


def grow(l):
    l.append("grown")
    l[0] = "changed"
    del l[1]


show("call_then_read", m.call_then_read, lst, grow)
print("after call_then_read", lst)

# A list C keeps between calls
kept = [1, 2, 3]
m.keep(kept)
kept.append(4)
kept[0] = "one"
show("read_kept", m.read_kept)
kept.clear()
show("read_kept-cleared", m.read_kept)
kept.extend(range(20))
show("read_kept-extended", m.read_kept)
m.drop_kept()
del kept

# Insert, append, slices, sort, reverse, tuple
l2 = [1, 2, 3]
for where in (0, -1, 100, -100):
    show("insert %d" % where, m.insert, l2, where, where)
print("after insert", l2)
show("insert-notlist", m.insert, (), 0, 1)
show("append", m.append, l2, "x")
show("append_then_read", m.append_then_read, l2, "y")
print("after append", l2)
show("append-notlist", m.append, (), 1)
show("getslice", m.getslice, l2, 1, 3)
show("getslice-clamped", m.getslice, l2, -5, 100)
show("getslice-empty", m.getslice, l2, 5, 2)
show("setslice", m.setslice, l2, 1, 3, ["A", "B", "C"])
show("setslice-delete", m.setslice, l2, 0, 2, None)
show("setslice-self", m.setslice, l2, 0, 0, l2)
show("setslice-noniter", m.setslice, l2, 0, 1, 5)
print("after setslice", l2)
show("sort", m.sort, [3, 1, 2])
show("sort-mixed", m.sort, [1, "a"])
show("sort-subclass", m.sort, MyList([2, 1]))
show("sort-notlist", m.sort, (2, 1))
show("reverse", m.reverse, [1, 2, 3])
show("as_tuple", m.as_tuple, [1, [2], "3"])
show("as_tuple-notlist", m.as_tuple, "abc")
selfish = [0]
selfish.append(selfish)
show("contains_self", m.contains_self, selfish)
selfish.clear()

# Dicts
d = m.dict_new_filled()
print("dict_new_filled", d)
show("dict_size", m.dict_size, d)
show("dict_size-notdict", m.dict_size, [])
show("dict_get_size", m.dict_get_size, d)
show("dict_getitem", m.dict_getitem, d, "one")
show("dict_getitem-missing", m.dict_getitem, d, "nope")
show("dict_getitem-unhashable", m.dict_getitem, d, [])
show("dict_getitem-notdict", m.dict_getitem, [], 0)
show("dict_getitem-subclass", m.dict_getitem, MyDict(a=1), "a")
show("dict_getitem_we", m.dict_getitem_we, d, 2)
show("dict_getitem_we-missing", m.dict_getitem_we, d, 3)
show("dict_getitem_we-unhashable", m.dict_getitem_we, d, [])
show("dict_getitem_s", m.dict_getitem_s, d, "one")
show("dict_getitem_s-missing", m.dict_getitem_s, d, "two")
show("dict_setitem", m.dict_setitem, d, "three", 3)
show("dict_setitem-unhashable", m.dict_setitem, d, {}, 3)
show("dict_setitem-notdict", m.dict_setitem, [], 1, 3)
show("dict_delitem", m.dict_delitem, d, 2)
show("dict_delitem-missing", m.dict_delitem, d, 2)
show("dict_delitem_s-missing", m.dict_delitem_s, d, "zz")
show("dict_contains", m.dict_contains, d, "one")
show("dict_contains-missing", m.dict_contains, d, "zz")
show("dict_contains-unhashable", m.dict_contains, d, [])
show("dict_keys", m.dict_keys, d)
show("dict_values", m.dict_values, d)
show("dict_items", m.dict_items, d)
show("dict_keys-notdict", m.dict_keys, [])
c = m.dict_copy(MyDict(x=1))
print("dict_copy", type(c).__name__, c)
show("dict_next", m.dict_next, {"a": 1, "b": [2], 3: None})
show("dict_next-notdict", m.dict_next, [1])
sv = {"x": 1, "y": 2}
show("dict_scale_values", m.dict_scale_values, sv)
print("after scale", sv)
show("dict_merge-0", m.dict_merge, sv, {"x": 0, "n": 5}, 0)
print("after merge-0", sv)
show("dict_merge-1", m.dict_merge, sv, {"x": 0}, 1)
show("dict_merge-mapping", m.dict_merge, sv, Mapping(), 1)
show("dict_merge-notmapping", m.dict_merge, sv, 5, 1)
show("dict_update", m.dict_update, sv, {"u": 1})
print("after merges", sv)
show("dict_merge_seq2", m.dict_merge_seq2, sv, [("p", 1), ["q", 2]], 1)
show("dict_merge_seq2-keep", m.dict_merge_seq2, sv, [("p", 9)], 0)
show("dict_merge_seq2-len", m.dict_merge_seq2, sv, [("p", 1, 2)], 1)
show("dict_merge_seq2-noseq", m.dict_merge_seq2, sv, [("p", 1), 5], 1)
print("after seq2", sv)
show("dict_setdefault-new", m.dict_setdefault, sv, "new", [1])
show("dict_setdefault-old", m.dict_setdefault, sv, "new", [2])
show("dict_call_then_size", m.dict_call_then_size, sv, lambda d: d.update(zz=1, yy=2))
show("dict_clear", m.dict_clear, sv)
show("dict_clear-notdict", m.dict_clear, [1])
print("after clear", sv)

# Sets (printed sorted: iteration order is not part of the contract)
s = m.set_new([3, 1, 2, 3])
print("set_new", type(s).__name__, sorted(s))
show("set_new-none", m.set_new, None)
show("set_new-noniter", m.set_new, 5)
f = m.frozenset_new("abca")
print("frozenset_new", type(f).__name__, sorted(f))
show("set_size", m.set_size, s)
show("set_size-frozen", m.set_size, f)
show("set_size-notset", m.set_size, [])
show("set_get_size", m.set_get_size, s)
show("set_contains", m.set_contains, s, 2)
show("set_contains-frozen", m.set_contains, f, "z")
show("set_contains-unhashable", m.set_contains, s, [])
show("set_add", m.set_add, s, 10)
show("set_add-dup", m.set_add, s, 10)
show("set_add-unhashable", m.set_add, s, [])
show("set_add-frozen", m.set_add, f, "q")
show("set_discard", m.set_discard, s, 10)
show("set_discard-missing", m.set_discard, s, 10)
show("set_discard-notset", m.set_discard, f, "a")
popped = m.set_pop(s)
print("set_pop", popped in (1, 2, 3), sorted(s | {popped}))
show("set_clear", m.set_clear, s)
show("set_pop-empty", m.set_pop, s)

# Capsules
cap = m.capsule_new(False)
print("capsule type", type(cap).__name__)
show("capsule_get", m.capsule_get, cap, "ext_containers.payload")
show("capsule_get-wrongname", m.capsule_get, cap, "other")
show("capsule_get-nullname", m.capsule_get, cap, None)
show("capsule_get-notcapsule", m.capsule_get, 5, "x")
show("capsule_valid", m.capsule_valid, cap, "ext_containers.payload")
show("capsule_valid-wrong", m.capsule_valid, cap, "x")
show("capsule_valid-notcapsule", m.capsule_valid, [], None)
show("capsule_name", m.capsule_name, cap)
show("capsule_name-notcapsule", m.capsule_name, "x")
show("capsule_context", m.capsule_context, cap)
show("capsule_new_null", m.capsule_new_null)
show("capsule_import", m.capsule_import, "ext_containers._C_API")
show("capsule_import-wrongattr", m.capsule_import, "ext_containers.nope")
show("capsule_import-notcapsule", m.capsule_import, "ext_containers.__name__")
show("capsule_import-nomodule", m.capsule_import, "no_such_module_xyz.attr")
dcap = m.capsule_new(True)
print("destructors before", m.destructors())
del dcap
gc.collect()
print("destructors after", m.destructors())
del cap, d, c, sv, s, f, lst, l2, big, selfish, seen
gc.collect()

if _dxpy:
    # Leak check: every proxy made for these calls was released.
    print("live proxies added:", _dxpy.live_proxies() - before, file=sys.stderr)
