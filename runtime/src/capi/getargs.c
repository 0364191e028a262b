/* The format-string families of the C-API: PyArg_Parse* (getargs), Py_BuildValue and the
 * calls built on it (modsupport), PyUnicode_FromFormat and PyErr_Format (unicodeobject,
 * errors). C varargs cannot be read from stable Rust, so each function here walks its
 * format just far enough to know the C type of every argument, copies the arguments into
 * an array of 8-byte slots, and calls one non-variadic `dxpy_*` function in Rust
 * (runtime/src/capi/modsupport/) that re-reads the format and does all the semantics.
 *
 * The walks here must consume exactly the arguments CPython 3.11 reads for a format;
 * the Rust side trusts the slot order. Only the declarations needed are written here,
 * so the build does not depend on CPython's headers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct _object PyObject;
typedef ptrdiff_t Py_ssize_t;

/* One argument: integers widened to 64 bits (signed or not, as the code says), doubles,
 * and pointers (objects, strings, output addresses, converter functions). */
typedef union {
    long long i;
    unsigned long long u;
    double d;
    void *p;
} slot;

enum { FLAG_COMPAT = 1, FLAG_SIZE_T = 2, FLAG_KEYWORDS = 4 };
enum { SMALL = 16 };

PyObject *PyErr_NoMemory(void);

int dxpy_getargs(PyObject *args, PyObject *kwargs, const char *format, char **kwlist, const slot *out, size_t n,
                 int flags);
int dxpy_getargs_stack(PyObject *const *args, Py_ssize_t nargs, const char *format, const slot *out, size_t n,
                       int flags);
Py_ssize_t dxpy_tuple_len(PyObject *args);
int dxpy_getargs_fast(PyObject *args, PyObject *const *stack, Py_ssize_t nargs, PyObject *kwargs, PyObject *kwnames,
                      void *parser, const slot *out, size_t n, int flags);
int dxpy_unpack(PyObject *tuple, PyObject *const *stack, Py_ssize_t nargs, const char *name, Py_ssize_t min,
                Py_ssize_t max, const slot *out, size_t n);
PyObject *dxpy_buildvalue(const char *format, const slot *args, size_t n, int flags);
PyObject *dxpy_callfunction(PyObject *callable, const char *format, const slot *args, size_t n, int flags);
PyObject *dxpy_callmethod(PyObject *obj, const char *name, PyObject *name_obj, const slot *args, size_t n,
                          const char *format, int flags);
PyObject *PyObject_VectorcallMethod(PyObject *name, PyObject *const *args, size_t nargsf, PyObject *kwnames);
PyObject *PyUnicode_FromString(const char *u);
void Py_DecRef(PyObject *o);

/* `_Py_Identifier` (Include/cpython/object.h): the name, and CPython's cache index. */
typedef struct _Py_Identifier {
    const char *string;
    Py_ssize_t index;
} _Py_Identifier;
PyObject *dxpy_fromformat(const char *format, const slot *args, size_t n);
PyObject *dxpy_err_format(PyObject *exception, const char *format, const slot *args, size_t n);
int dxpy_warn_format(PyObject *category, Py_ssize_t stack_level, const char *format, const slot *args, size_t n);

/* `small` when `n` slots fit, else a heap array (NULL when out of memory). */
static slot *slots(slot *small, size_t n) { return n <= SMALL ? small : malloc(n * sizeof(slot)); }

static void release(slot *s, slot *small) {
    if (s != small) free(s);
}

/* ---- PyArg_Parse*: every output is a pointer ---------------------------------------- */

/* How many pointers the outputs of a getargs format take (getargs.c's convertsimple):
 * one per code, two for O! and O&, the encoding and the buffer for es/et, one more for
 * a '#' length. The walk stops where the function name or message starts. */
static size_t getargs_count(const char *f) {
    size_t n = 0;
    for (; *f && *f != ':' && *f != ';'; f++) {
        char c = *f;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) continue;
        n++;
        if (c == 'O' && (f[1] == '!' || f[1] == '&')) {
            n++;
            f++;
        } else if (c == 'e') {
            if (f[1] == 's' || f[1] == 't') {
                n++;
                f++;
                if (f[1] == '#') {
                    n++;
                    f++;
                }
            }
        } else if (f[1] == '*') {
            f++;
        } else if (f[1] == '#' && (c == 's' || c == 'z' || c == 'y' || c == 'u' || c == 'Z')) {
            n++;
            f++;
        }
    }
    return n;
}

static int getargs(PyObject *args, PyObject *kwargs, const char *format, char **kwlist, va_list *va, int flags) {
    size_t n = format == NULL ? 0 : getargs_count(format);
    slot small[SMALL];
    slot *out = slots(small, n);
    if (out == NULL) {
        PyErr_NoMemory();
        return 0;
    }
    for (size_t i = 0; i < n; i++) out[i].p = va_arg(*va, void *);
    int r = dxpy_getargs(args, kwargs, format, kwlist, out, n, flags);
    release(out, small);
    return r;
}

static int parse(PyObject *args, PyObject *kwargs, const char *format, char **kwlist, va_list va, int flags) {
    va_list copy;
    va_copy(copy, va);
    int r = getargs(args, kwargs, format, kwlist, &copy, flags);
    va_end(copy);
    return r;
}

int PyArg_Parse(PyObject *args, const char *format, ...) {
    va_list va;
    va_start(va, format);
    int r = getargs(args, NULL, format, NULL, &va, FLAG_COMPAT);
    va_end(va);
    return r;
}

int _PyArg_Parse_SizeT(PyObject *args, const char *format, ...) {
    va_list va;
    va_start(va, format);
    int r = getargs(args, NULL, format, NULL, &va, FLAG_COMPAT | FLAG_SIZE_T);
    va_end(va);
    return r;
}

int PyArg_ParseTuple(PyObject *args, const char *format, ...) {
    va_list va;
    va_start(va, format);
    int r = getargs(args, NULL, format, NULL, &va, 0);
    va_end(va);
    return r;
}

int _PyArg_ParseTuple_SizeT(PyObject *args, const char *format, ...) {
    va_list va;
    va_start(va, format);
    int r = getargs(args, NULL, format, NULL, &va, FLAG_SIZE_T);
    va_end(va);
    return r;
}

int PyArg_ParseTupleAndKeywords(PyObject *args, PyObject *kwargs, const char *format, char **kwlist, ...) {
    va_list va;
    va_start(va, kwlist);
    int r = getargs(args, kwargs, format, kwlist, &va, FLAG_KEYWORDS);
    va_end(va);
    return r;
}

int _PyArg_ParseTupleAndKeywords_SizeT(PyObject *args, PyObject *kwargs, const char *format, char **kwlist, ...) {
    va_list va;
    va_start(va, kwlist);
    int r = getargs(args, kwargs, format, kwlist, &va, FLAG_KEYWORDS | FLAG_SIZE_T);
    va_end(va);
    return r;
}

int PyArg_VaParse(PyObject *args, const char *format, va_list va) {
    return parse(args, NULL, format, NULL, va, 0);
}

int _PyArg_VaParse_SizeT(PyObject *args, const char *format, va_list va) {
    return parse(args, NULL, format, NULL, va, FLAG_SIZE_T);
}

int PyArg_VaParseTupleAndKeywords(PyObject *args, PyObject *kwargs, const char *format, char **kwlist, va_list va) {
    return parse(args, kwargs, format, kwlist, va, FLAG_KEYWORDS);
}

int _PyArg_VaParseTupleAndKeywords_SizeT(PyObject *args, PyObject *kwargs, const char *format, char **kwlist,
                                         va_list va) {
    return parse(args, kwargs, format, kwlist, va, FLAG_KEYWORDS | FLAG_SIZE_T);
}

static int parse_stack(PyObject *const *args, Py_ssize_t nargs, const char *format, va_list *va, int flags) {
    size_t n = format == NULL ? 0 : getargs_count(format);
    slot small[SMALL];
    slot *out = slots(small, n);
    if (out == NULL) {
        PyErr_NoMemory();
        return 0;
    }
    for (size_t i = 0; i < n; i++) out[i].p = va_arg(*va, void *);
    int r = dxpy_getargs_stack(args, nargs, format, out, n, flags);
    release(out, small);
    return r;
}

int _PyArg_ParseStack(PyObject *const *args, Py_ssize_t nargs, const char *format, ...) {
    va_list va;
    va_start(va, format);
    int r = parse_stack(args, nargs, format, &va, 0);
    va_end(va);
    return r;
}

int _PyArg_ParseStack_SizeT(PyObject *const *args, Py_ssize_t nargs, const char *format, ...) {
    va_list va;
    va_start(va, format);
    int r = parse_stack(args, nargs, format, &va, FLAG_SIZE_T);
    va_end(va);
    return r;
}

/* The parses driven by a static `_PyArg_Parser`, whose first field is its format.
 * `nargs` < 0 with no stack means the tuple form (`args`, `kwargs`). */
typedef struct _PyArg_Parser _PyArg_Parser;

static int parse_fast(PyObject *args, PyObject *const *stack, Py_ssize_t nargs, PyObject *kwargs, PyObject *kwnames,
                      _PyArg_Parser *parser, va_list *va, int flags) {
    const char *format = parser != NULL ? *(const char *const *)parser : NULL;
    size_t n = format == NULL ? 0 : getargs_count(format);
    slot small[SMALL];
    slot *out = slots(small, n);
    if (out == NULL) {
        PyErr_NoMemory();
        return 0;
    }
    for (size_t i = 0; i < n; i++) out[i].p = va_arg(*va, void *);
    int r = dxpy_getargs_fast(args, stack, nargs, kwargs, kwnames, parser, out, n, flags);
    release(out, small);
    return r;
}

int _PyArg_ParseTupleAndKeywordsFast(PyObject *args, PyObject *kwargs, _PyArg_Parser *parser, ...) {
    va_list va;
    va_start(va, parser);
    int r = parse_fast(args, NULL, -1, kwargs, NULL, parser, &va, 0);
    va_end(va);
    return r;
}

int _PyArg_ParseTupleAndKeywordsFast_SizeT(PyObject *args, PyObject *kwargs, _PyArg_Parser *parser, ...) {
    va_list va;
    va_start(va, parser);
    int r = parse_fast(args, NULL, -1, kwargs, NULL, parser, &va, FLAG_SIZE_T);
    va_end(va);
    return r;
}

int _PyArg_ParseStackAndKeywords(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, _PyArg_Parser *parser,
                                 ...) {
    va_list va;
    va_start(va, parser);
    int r = parse_fast(NULL, args, nargs, NULL, kwnames, parser, &va, 0);
    va_end(va);
    return r;
}

int _PyArg_ParseStackAndKeywords_SizeT(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                                       _PyArg_Parser *parser, ...) {
    va_list va;
    va_start(va, parser);
    int r = parse_fast(NULL, args, nargs, NULL, kwnames, parser, &va, FLAG_SIZE_T);
    va_end(va);
    return r;
}

int _PyArg_VaParseTupleAndKeywordsFast(PyObject *args, PyObject *kwargs, _PyArg_Parser *parser, va_list va) {
    va_list copy;
    va_copy(copy, va);
    int r = parse_fast(args, NULL, -1, kwargs, NULL, parser, &copy, 0);
    va_end(copy);
    return r;
}

int _PyArg_VaParseTupleAndKeywordsFast_SizeT(PyObject *args, PyObject *kwargs, _PyArg_Parser *parser, va_list va) {
    va_list copy;
    va_copy(copy, va);
    int r = parse_fast(args, NULL, -1, kwargs, NULL, parser, &copy, FLAG_SIZE_T);
    va_end(copy);
    return r;
}

/* CPython reads one PyObject** per argument actually given (at most `max`). */
static int unpack(PyObject *tuple, PyObject *const *stack, Py_ssize_t nargs, const char *name, Py_ssize_t min,
                  Py_ssize_t max, va_list *va) {
    Py_ssize_t k = nargs < max ? nargs : max;
    size_t n = k < 0 ? 0 : (size_t)k;
    slot small[SMALL];
    slot *out = slots(small, n);
    if (out == NULL) {
        PyErr_NoMemory();
        return 0;
    }
    for (size_t i = 0; i < n; i++) out[i].p = va_arg(*va, void *);
    int r = dxpy_unpack(tuple, stack, nargs, name, min, max, out, n);
    release(out, small);
    return r;
}

int PyArg_UnpackTuple(PyObject *args, const char *name, Py_ssize_t min, Py_ssize_t max, ...) {
    va_list va;
    va_start(va, max);
    int r = unpack(args, NULL, dxpy_tuple_len(args), name, min, max, &va);
    va_end(va);
    return r;
}

int _PyArg_UnpackStack(PyObject *const *args, Py_ssize_t nargs, const char *name, Py_ssize_t min,
                       Py_ssize_t max, ...) {
    va_list va;
    va_start(va, max);
    int r = unpack(NULL, args, nargs, name, min, max, &va);
    va_end(va);
    return r;
}

/* ---- Py_BuildValue and the calls built on it ----------------------------------------- */

/* Walks a Py_BuildValue format (modsupport.c's do_mkvalue), reading each argument with
 * its C type into `out` when it is not NULL; returns the number of slots. Codes CPython
 * does not know read nothing (it reports them, and may go on building what follows). */
static size_t build_walk(const char *f, va_list *va, slot *out, int flags) {
    size_t n = 0;
#define PUT(field, value)                   \
    do {                                    \
        if (out) out[n].field = (value);    \
        n++;                                \
    } while (0)
    for (; *f; f++) {
        switch (*f) {
        case 'b':
        case 'B':
        case 'h':
        case 'i':
        case 'c':
        case 'C':
            PUT(i, out ? va_arg(*va, int) : 0);
            break;
        case 'H':
        case 'I':
            PUT(u, out ? va_arg(*va, unsigned int) : 0);
            break;
        case 'l':
            PUT(i, out ? va_arg(*va, long) : 0);
            break;
        case 'k':
            PUT(u, out ? va_arg(*va, unsigned long) : 0);
            break;
        case 'L':
            PUT(i, out ? va_arg(*va, long long) : 0);
            break;
        case 'K':
            PUT(u, out ? va_arg(*va, unsigned long long) : 0);
            break;
        case 'n':
            PUT(i, out ? va_arg(*va, Py_ssize_t) : 0);
            break;
        case 'f':
        case 'd':
            PUT(d, out ? va_arg(*va, double) : 0);
            break;
        case 'D':
            PUT(p, out ? va_arg(*va, void *) : NULL);
            break;
        case 's':
        case 'z':
        case 'U':
        case 'y':
        case 'u':
            PUT(p, out ? va_arg(*va, void *) : NULL);
            if (f[1] == '#') {
                f++;
                /* Without PY_SSIZE_T_CLEAN, 3.11 fails here without reading a length. */
                if (flags & FLAG_SIZE_T) PUT(i, out ? va_arg(*va, Py_ssize_t) : 0);
            }
            break;
        case 'N':
        case 'S':
        case 'O':
            PUT(p, out ? va_arg(*va, void *) : NULL);
            if (f[1] == '&') {
                f++;
                PUT(p, out ? va_arg(*va, void *) : NULL);
            }
            break;
        default:
            break;
        }
    }
#undef PUT
    return n;
}

/* The format's arguments as slots (`small` or a heap array), their count in `*n`. */
static slot *build_args(const char *format, va_list *va, int flags, slot *small, size_t *n) {
    *n = format ? build_walk(format, NULL, NULL, flags) : 0;
    slot *args = slots(small, *n);
    if (args != NULL && format) build_walk(format, va, args, flags);
    return args;
}

static PyObject *build(const char *format, va_list *va, int flags) {
    slot small[SMALL];
    size_t n;
    slot *args = build_args(format, va, flags, small, &n);
    if (args == NULL) return PyErr_NoMemory();
    PyObject *r = dxpy_buildvalue(format, args, n, flags);
    release(args, small);
    return r;
}

PyObject *Py_BuildValue(const char *format, ...) {
    va_list va;
    va_start(va, format);
    PyObject *r = build(format, &va, 0);
    va_end(va);
    return r;
}

PyObject *_Py_BuildValue_SizeT(const char *format, ...) {
    va_list va;
    va_start(va, format);
    PyObject *r = build(format, &va, FLAG_SIZE_T);
    va_end(va);
    return r;
}

PyObject *Py_VaBuildValue(const char *format, va_list va) {
    va_list copy;
    va_copy(copy, va);
    PyObject *r = build(format, &copy, 0);
    va_end(copy);
    return r;
}

PyObject *_Py_VaBuildValue_SizeT(const char *format, va_list va) {
    va_list copy;
    va_copy(copy, va);
    PyObject *r = build(format, &copy, FLAG_SIZE_T);
    va_end(copy);
    return r;
}

static PyObject *call_function(PyObject *callable, const char *format, va_list *va, int flags) {
    slot small[SMALL];
    size_t n;
    slot *args = build_args(format, va, flags, small, &n);
    if (args == NULL) return PyErr_NoMemory();
    PyObject *r = dxpy_callfunction(callable, format, args, n, flags);
    release(args, small);
    return r;
}

PyObject *PyObject_CallFunction(PyObject *callable, const char *format, ...) {
    va_list va;
    va_start(va, format);
    PyObject *r = call_function(callable, format, &va, 0);
    va_end(va);
    return r;
}

PyObject *_PyObject_CallFunction_SizeT(PyObject *callable, const char *format, ...) {
    va_list va;
    va_start(va, format);
    PyObject *r = call_function(callable, format, &va, FLAG_SIZE_T);
    va_end(va);
    return r;
}

static PyObject *call_method(PyObject *obj, const char *name, PyObject *name_obj, const char *format, va_list *va,
                             int flags) {
    slot small[SMALL];
    size_t n;
    slot *args = build_args(format, va, flags, small, &n);
    if (args == NULL) return PyErr_NoMemory();
    PyObject *r = dxpy_callmethod(obj, name, name_obj, args, n, format, flags);
    release(args, small);
    return r;
}

PyObject *PyObject_CallMethod(PyObject *obj, const char *name, const char *format, ...) {
    va_list va;
    va_start(va, format);
    PyObject *r = call_method(obj, name, NULL, format, &va, 0);
    va_end(va);
    return r;
}

PyObject *_PyObject_CallMethod_SizeT(PyObject *obj, const char *name, const char *format, ...) {
    va_list va;
    va_start(va, format);
    PyObject *r = call_method(obj, name, NULL, format, &va, FLAG_SIZE_T);
    va_end(va);
    return r;
}

/* 3.11 always reads '#' lengths as Py_ssize_t here. */
PyObject *_PyObject_CallMethod(PyObject *obj, PyObject *name, const char *format, ...) {
    va_list va;
    va_start(va, format);
    PyObject *r = call_method(obj, NULL, name, format, &va, FLAG_SIZE_T);
    va_end(va);
    return r;
}

PyObject *_PyObject_CallMethodId(PyObject *obj, _Py_Identifier *name, const char *format, ...) {
    va_list va;
    va_start(va, format);
    PyObject *r = call_method(obj, name ? name->string : NULL, NULL, format, &va, 0);
    va_end(va);
    return r;
}

PyObject *_PyObject_CallMethodId_SizeT(PyObject *obj, _Py_Identifier *name, const char *format, ...) {
    va_list va;
    va_start(va, format);
    PyObject *r = call_method(obj, name ? name->string : NULL, NULL, format, &va, FLAG_SIZE_T);
    va_end(va);
    return r;
}

/* PyObject_CallMethodObjArgs with the name from an identifier (NULL-terminated objects). */
PyObject *_PyObject_CallMethodIdObjArgs(PyObject *obj, _Py_Identifier *name, ...) {
    if (obj == NULL || name == NULL) return dxpy_callmethod(NULL, NULL, NULL, NULL, 0, NULL, 0);
    PyObject *oname = PyUnicode_FromString(name->string);
    if (oname == NULL) return NULL;
    va_list va, count;
    va_start(va, name);
    va_copy(count, va);
    size_t n = 1;
    while (va_arg(count, PyObject *) != NULL) n++;
    va_end(count);
    PyObject *small[SMALL];
    PyObject **stack = n <= SMALL ? small : malloc(n * sizeof *stack);
    if (stack == NULL) {
        va_end(va);
        Py_DecRef(oname);
        return PyErr_NoMemory();
    }
    stack[0] = obj;
    for (size_t i = 1; i < n; i++) stack[i] = va_arg(va, PyObject *);
    va_end(va);
    PyObject *r = PyObject_VectorcallMethod(oname, stack, n, NULL);
    if (stack != small) free(stack);
    Py_DecRef(oname);
    return r;
}

/* ---- PyUnicode_FromFormat and PyErr_Format ------------------------------------------- */

/* Walks a PyUnicode_FromFormat format as 3.11's unicode_fromformat_arg parses it (flags
 * '0', width, '.precision', l/ll/z before d/i/u), reading each argument with its C type
 * into `out` when it is not NULL; returns the number of slots. An unknown code ends the
 * walk: CPython copies the rest of the format as it is. */
static size_t format_walk(const char *f, va_list *va, slot *out) {
    size_t n = 0;
#define PUT(field, value)                   \
    do {                                    \
        if (out) out[n].field = (value);    \
        n++;                                \
    } while (0)
    while (*f) {
        if (*f != '%') {
            f++;
            continue;
        }
        f++;
        if (*f == '0') f++;
        while (*f >= '0' && *f <= '9') f++;
        if (*f == '.') {
            f++;
            while (*f >= '0' && *f <= '9') f++;
            if (*f == '%') f--;
        }
        if (*f == '\0') f--;
        int longflag = 0, longlong = 0, size_t_flag = 0;
        if (*f == 'l') {
            if (f[1] == 'd' || f[1] == 'u' || f[1] == 'i') {
                longflag = 1;
                f++;
            } else if (f[1] == 'l' && (f[2] == 'd' || f[2] == 'u' || f[2] == 'i')) {
                longlong = 1;
                f += 2;
            }
        } else if (*f == 'z' && (f[1] == 'd' || f[1] == 'u' || f[1] == 'i')) {
            size_t_flag = 1;
            f++;
        }
        switch (*f) {
        case 'c':
        case 'x':
            PUT(i, out ? va_arg(*va, int) : 0);
            break;
        case 'd':
        case 'i':
            if (longflag)
                PUT(i, out ? va_arg(*va, long) : 0);
            else if (longlong)
                PUT(i, out ? va_arg(*va, long long) : 0);
            else if (size_t_flag)
                PUT(i, out ? va_arg(*va, Py_ssize_t) : 0);
            else
                PUT(i, out ? va_arg(*va, int) : 0);
            break;
        case 'u':
            if (longflag)
                PUT(u, out ? va_arg(*va, unsigned long) : 0);
            else if (longlong)
                PUT(u, out ? va_arg(*va, unsigned long long) : 0);
            else if (size_t_flag)
                PUT(u, out ? va_arg(*va, size_t) : 0);
            else
                PUT(u, out ? va_arg(*va, unsigned int) : 0);
            break;
        case 'p':
        case 's':
        case 'U':
        case 'S':
        case 'R':
        case 'A':
            PUT(p, out ? va_arg(*va, void *) : NULL);
            break;
        case 'V':
            PUT(p, out ? va_arg(*va, void *) : NULL);
            PUT(p, out ? va_arg(*va, void *) : NULL);
            break;
        case '%':
            break;
        default:
            return n;
        }
        f++;
    }
#undef PUT
    return n;
}

/* The format's arguments as slots (`small` or a heap array), their count in `*n`. */
static slot *format_args(const char *format, va_list *va, slot *small, size_t *n) {
    *n = format ? format_walk(format, NULL, NULL) : 0;
    slot *args = slots(small, *n);
    if (args != NULL && format) format_walk(format, va, args);
    return args;
}

PyObject *PyUnicode_FromFormatV(const char *format, va_list va) {
    va_list copy;
    va_copy(copy, va);
    slot small[SMALL];
    size_t n;
    slot *args = format_args(format, &copy, small, &n);
    va_end(copy);
    if (args == NULL) return PyErr_NoMemory();
    PyObject *r = dxpy_fromformat(format, args, n);
    release(args, small);
    return r;
}

PyObject *PyUnicode_FromFormat(const char *format, ...) {
    va_list va;
    va_start(va, format);
    PyObject *r = PyUnicode_FromFormatV(format, va);
    va_end(va);
    return r;
}

PyObject *PyErr_FormatV(PyObject *exception, const char *format, va_list va) {
    va_list copy;
    va_copy(copy, va);
    slot small[SMALL];
    size_t n;
    slot *args = format_args(format, &copy, small, &n);
    va_end(copy);
    if (args == NULL) return PyErr_NoMemory();
    PyObject *r = dxpy_err_format(exception, format, args, n);
    release(args, small);
    return r;
}

PyObject *PyErr_Format(PyObject *exception, const char *format, ...) {
    va_list va;
    va_start(va, format);
    PyObject *r = PyErr_FormatV(exception, format, va);
    va_end(va);
    return r;
}

int PyErr_WarnFormat(PyObject *category, Py_ssize_t stack_level, const char *format, ...) {
    va_list va;
    va_start(va, format);
    slot small[SMALL];
    size_t n;
    slot *args = format_args(format, &va, small, &n);
    va_end(va);
    if (args == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    int r = dxpy_warn_format(category, stack_level, format, args, n);
    release(args, small);
    return r;
}
