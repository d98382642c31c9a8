#include "src/stream/codec_handles.hpp"

#include <xxhash.h>
#include <zstd.h>

#include <new>

namespace schelk::stream {

void HashStateFree::operator()(XXH3_state_s* s) const { XXH3_freeState(s); }
void CompressorFree::operator()(ZSTD_CCtx_s* c) const { ZSTD_freeCCtx(c); }
void DecompressorFree::operator()(ZSTD_DCtx_s* d) const { ZSTD_freeDCtx(d); }

HashState make_hash_state() {
  HashState s(XXH3_createState());
  if (!s) throw std::bad_alloc();
  XXH3_128bits_reset(s.get());
  return s;
}

Compressor make_compressor(int level) {
  Compressor c(ZSTD_createCCtx());
  if (!c) throw std::bad_alloc();
  ZSTD_CCtx_setParameter(c.get(), ZSTD_c_compressionLevel, level);
  return c;
}

Decompressor make_decompressor() {
  Decompressor d(ZSTD_createDCtx());
  if (!d) throw std::bad_alloc();
  return d;
}

}  // namespace schelk::stream
