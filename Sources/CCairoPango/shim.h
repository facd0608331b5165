// Cairo (PDF surfaces, drawing) and pango (text layout) for Swift, without Poppler: the
// report-generator's charts and tables. The include path comes from pangocairo's pkg-config flags.
#ifndef OUTPOST_CCAIROPANGO_SHIM_H
#define OUTPOST_CCAIROPANGO_SHIM_H

#include <glib-object.h>
#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

static inline void outpost_cp_g_object_unref(void *object) { if (object) g_object_unref(object); }
static inline int outpost_cp_pango_scale(void) { return PANGO_SCALE; }

#endif
