#include <zlib.h>
// mallopt, for the backup-service's main (a fixed mmap threshold: see main.swift).
#include <malloc.h>
