/* The frame events (PY_START, PY_RESUME, PY_THROW, PY_RETURN, PY_YIELD,
 * PY_UNWIND) from the eval-frame hook, version-independent. */
#ifndef PEP669_FRAMES_H
#define PEP669_FRAMES_H

#include "backend.h"

/* Body of every backend's eval-frame hook. */
PyObject *pep669_frame_eval(PyThreadState *ts, Pep669Frame *frame,
                            int throwflag);

/* Called after every registry change: hooks follow what is needed. */
int pep669_frames_update(void);

#endif
