/* Probe firing (probe_fire.c): what a line or call probe does when its
 * stub calls it.  Version-independent. */
#ifndef PEP669_PROBE_FIRE_H
#define PEP669_PROBE_FIRE_H

#include "trampoline.h"

/* Module initialisation: the probe type (probe.c), with this file's
 * vectorcall as what a probe does. */
int pep669_probe_fire_init(void);

/* For tests: how a frame of this thread runs now ("call probes", "line
 * probes": on its clone, its probes standing in; "hook": through the
 * hook without probes; None: no run of the hook's). */

#endif
