/* The bridge's hot path (issue #3's crossing benchmark): a METH_O function that returns
 * its argument, a METH_FASTCALL function converting two ints, and a function building a
 * 1000-int list with PyList_New + PyList_SET_ITEM. Built by `cargo xtask bench`. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *meth_o(PyObject *self, PyObject *o) {
    Py_INCREF(o);
    return o;
}

static PyObject *fast_add(PyObject *self, PyObject *const *args, Py_ssize_t n) {
    if (n != 2) {
        PyErr_SetString(PyExc_TypeError, "fast_add takes 2 arguments");
        return NULL;
    }
    long a = PyLong_AsLong(args[0]);
    if (a == -1 && PyErr_Occurred()) return NULL;
    long b = PyLong_AsLong(args[1]);
    if (b == -1 && PyErr_Occurred()) return NULL;
    return PyLong_FromLong(a + b);
}

static PyObject *build_list(PyObject *self, PyObject *arg) {
    Py_ssize_t k = PyLong_AsSsize_t(arg);
    if (k == -1 && PyErr_Occurred()) return NULL;
    PyObject *l = PyList_New(k);
    if (l == NULL) return NULL;
    for (Py_ssize_t i = 0; i < k; i++) {
        PyObject *v = PyLong_FromSsize_t(i);
        if (v == NULL) {
            Py_DECREF(l);
            return NULL;
        }
        PyList_SET_ITEM(l, i, v);
    }
    return l;
}

static PyMethodDef methods[] = {
    {"meth_o", meth_o, METH_O, NULL},
    {"fast_add", (PyCFunction)(void (*)(void))fast_add, METH_FASTCALL, NULL},
    {"build_list", build_list, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "crossing_ext", NULL, -1, methods};

PyMODINIT_FUNC PyInit_crossing_ext(void) { return PyModule_Create(&module); }
