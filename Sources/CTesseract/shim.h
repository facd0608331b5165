// Tesseract's C API and Leptonica in one module, so both see one Pix type (Tesseract's .pc
// omits Leptonica's library, hence link "lept" in the module map).
#ifndef OUTPOST_CTESSERACT_SHIM_H
#define OUTPOST_CTESSERACT_SHIM_H

#include <allheaders.h>
#include <tesseract/capi.h>

#endif
