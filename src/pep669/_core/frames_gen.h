/* Frame events of generators and coroutines beside the hook's own
 * (frames_gen.c), for frames.c.  Version-independent. */
#ifndef PEP669_FRAMES_GEN_H
#define PEP669_FRAMES_GEN_H

#include "trampoline.h"

/* A generator yielded: the `for` loop that drives it, if any, ran. */
PEP669_INTERNAL void pep669_generator_yielded(PyThreadState *ts);
/* A generator or coroutine frame (the run of `rec`: its record, or its
 * bare block) returned `retval`: STOP_ITERATION in the frame that drives
 * it from bytecode, if any.  -1 with an exception if a callback raised. */
PEP669_INTERNAL int pep669_generator_returned(PyThreadState *ts,
                                              Pep669Record *rec,
                                              PyObject *retval);
/* throw() or close() into a generator suspended in `yield from` /
 * `await`: the LINE 3.13 reports there (fired, or its offset for the
 * trampoline to fire after the RAISE), else -1. */
PEP669_INTERNAL int pep669_delegate_thrown(PyThreadState *ts,
                                           Pep669Frame *frame,
                                           PyCodeObject *co);
/* A resumption inside `yield from` / `await` (cd->delegation_resumed). */
PEP669_INTERNAL void pep669_delegation_resumed(Pep669Frame *frame,
                                               Pep669CodeData *cd);
/* A generator's, coroutine's or async generator's frame ends by a
 * StopIteration (or an async generator's by StopAsyncIteration): its
 * PEP 479 RuntimeError made at the frame's end, with 3.12's events of
 * it (EXCEPTION_HANDLED, RERAISE), before the frame's PY_UNWIND. */
PEP669_INTERNAL void pep669_generator_stop_error(PyThreadState *ts,
                                                 Pep669Frame *frame,
                                                 PyCodeObject *co,
                                                 int offset);
/* This run throws close()'s GeneratorExit into a generator that 3.14
 * clears without running it. */
PEP669_INTERNAL int pep669_closing_quietly(PyThreadState *ts,
                                           Pep669Frame *frame,
                                           uint32_t code_events);

#endif
