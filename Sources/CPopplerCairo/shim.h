// Poppler-glib, pango and cairo for Swift, in one module so that all three share one cairo_t.
// The include path comes from pangocairo's pkg-config flags; Poppler's header is named by its
// absolute path (its own includes are relative to it, and glib and cairo are on the path).
#ifndef OUTPOST_CPOPPLERCAIRO_SHIM_H
#define OUTPOST_CPOPPLERCAIRO_SHIM_H

#include <glib.h>
#include <glib-object.h>
#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include "/usr/include/poppler/glib/poppler.h"

static inline void outpost_g_object_unref(void *object) { if (object) g_object_unref(object); }
static inline void outpost_g_free(void *memory) { g_free(memory); }
static inline int outpost_pango_scale(void) { return PANGO_SCALE; }
static inline gboolean outpost_g_true(void) { return TRUE; }
static inline gboolean outpost_g_false(void) { return FALSE; }

#endif
