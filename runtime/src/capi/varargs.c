/* C-API functions that take C varargs, which stable Rust cannot read. Each one gathers
 * its arguments and calls a non-variadic C-API function that DX-Py implements in Rust,
 * so the semantics live in one place. Their spec entries say `implemented_in_c: true`.
 *
 * Only the declarations these functions need are written here, so the build does not
 * depend on CPython's headers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

typedef struct _object PyObject;

PyObject *PyObject_Vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames);
PyObject *PyObject_VectorcallMethod(PyObject *name, PyObject *const *args, size_t nargsf, PyObject *kwnames);
PyObject *PyErr_NoMemory(void);

enum { SMALL_ARGS = 8 };

/* Copies the NULL-terminated PyObject* varargs after `first` (placed at index 0 when
 * not NULL) into `small` or a heap array; returns it and the count in `*n`. */
static PyObject **gather(PyObject *first, va_list va, PyObject **small, size_t *n) {
    va_list count;
    va_copy(count, va);
    size_t k = first != NULL;
    while (va_arg(count, PyObject *) != NULL) k++;
    va_end(count);
    PyObject **args = k <= SMALL_ARGS ? small : malloc(k * sizeof *args);
    if (args == NULL) return NULL;
    size_t i = 0;
    if (first != NULL) args[i++] = first;
    while (i < k) args[i++] = va_arg(va, PyObject *);
    *n = k;
    return args;
}

PyObject *PyObject_CallFunctionObjArgs(PyObject *callable, ...) {
    PyObject *small[SMALL_ARGS];
    size_t n = 0;
    va_list va;
    va_start(va, callable);
    PyObject **args = gather(NULL, va, small, &n);
    va_end(va);
    if (args == NULL) return PyErr_NoMemory();
    PyObject *result = PyObject_Vectorcall(callable, args, n, NULL);
    if (args != small) free(args);
    return result;
}

PyObject *PyObject_CallMethodObjArgs(PyObject *obj, PyObject *name, ...) {
    PyObject *small[SMALL_ARGS];
    size_t n = 0;
    va_list va;
    va_start(va, name);
    PyObject **args = gather(obj, va, small, &n);
    va_end(va);
    if (args == NULL) return PyErr_NoMemory();
    PyObject *result = PyObject_VectorcallMethod(name, args, n, NULL);
    if (args != small) free(args);
    return result;
}

PyObject *PyTuple_New(ptrdiff_t size);
int PyTuple_SetItem(PyObject *tuple, ptrdiff_t pos, PyObject *item);
void Py_IncRef(PyObject *o);

PyObject *PyTuple_Pack(ptrdiff_t n, ...) {
    PyObject *tuple = PyTuple_New(n);
    if (tuple == NULL) return NULL;
    va_list va;
    va_start(va, n);
    for (ptrdiff_t i = 0; i < n; i++) {
        PyObject *item = va_arg(va, PyObject *);
        Py_IncRef(item);
        PyTuple_SetItem(tuple, i, item); /* a fresh tuple: cannot fail */
    }
    va_end(va);
    return tuple;
}
