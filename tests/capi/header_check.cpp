// pep669.h as C++ (tests/test_capi.py compiles this as C++11 and C++17).
#include "header_check.c"
