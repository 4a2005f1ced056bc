/* The truth tests of the probes that stand for no event site, at a run's
 * way into code (probe_entries.c): a 3.8-3.10 line clone's entry stub and
 * a 3.11 handler clone's handler stubs.  Called by probe_fire.c's
 * probe_bool.  Version-independent. */
#ifndef PEP669_PROBE_ENTRIES_H
#define PEP669_PROBE_ENTRIES_H

#include "trampoline.h"

/* (3.11) A handler stub's test of `probe` (its site's handler entry given
 * by the trampoline); always 0. */
PEP669_INTERNAL int pep669_handler_probe_bool(Pep669Probe *probe);

/* (3.8-3.10) The entry stub's test of a clone's probe, the first thing a
 * fresh run on `cl` does; always 0. */
PEP669_INTERNAL int pep669_entry_probe(Pep669Clone *cl);

#endif
