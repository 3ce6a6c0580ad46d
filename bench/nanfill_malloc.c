/* Audit aid: an LD_PRELOAD shim that fills every malloc'd block with 0xff bytes (float32 / float64 NaN, int -1),
   so a kernel that reads np.empty memory it never wrote sees NaN (as CI's allocator happened to give the mouth
   pass's tongue colour, fixed in a887267), in every process and thread, not only where a test polluted numba's
   allocator first. numba's NRT and numpy both allocate through malloc (numpy's small-block cache aside).

     gcc -O2 -shared -fPIC -o /tmp/nanfill.so bench/nanfill_malloc.c
     LD_PRELOAD=/tmp/nanfill.so NUMBA_CACHE_DIR=/tmp/nc PYTHONPATH=$PWD/src .venv/bin/python -m pytest -q tests/render

   Dec 4 (unset16): tests/render 313 passed, 6 xfailed with it. glibc's MALLOC_PERTURB_ cannot give NaN (its
   fill byte is never 0xff) and skips the tcache unless GLIBC_TUNABLES=glibc.malloc.tcache_count=0. */
#include <stddef.h>
#include <string.h>

extern void *__libc_malloc(size_t);

void *malloc(size_t n) {
    void *p = __libc_malloc(n);
    if (p) memset(p, 0xff, n);
    return p;
}
