/* The frame events (PY_START, PY_RESUME, PY_THROW, PY_RETURN, PY_YIELD,
 * PY_UNWIND) from the eval-frame hook, version-independent. */
#ifndef PEP669_FRAMES_H
#define PEP669_FRAMES_H

#include "engine_entry.h"

/* (pep669_frame_eval, the body of every backend's eval-frame hook, is
 * declared in engine_entry.h) */

/* Called after every registry change: hooks follow what is needed. */
int pep669_frames_update(void);

#endif
