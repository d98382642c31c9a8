// Owning handles for the xxHash and zstd states a stream writer or reader keeps, declared over
// the libraries' incomplete types so that users of the stream headers need neither library's
// headers. The deleters are defined in codec_handles.cpp.
#pragma once

#include <memory>

struct XXH3_state_s;
struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace schelk::stream {

struct HashStateFree {
  void operator()(XXH3_state_s* s) const;
};
struct CompressorFree {
  void operator()(ZSTD_CCtx_s* c) const;
};
struct DecompressorFree {
  void operator()(ZSTD_DCtx_s* d) const;
};

using HashState = std::unique_ptr<XXH3_state_s, HashStateFree>;
using Compressor = std::unique_ptr<ZSTD_CCtx_s, CompressorFree>;
using Decompressor = std::unique_ptr<ZSTD_DCtx_s, DecompressorFree>;

// A fresh XXH3-128 state, reset. Throws std::bad_alloc.
HashState make_hash_state();
// Throws std::bad_alloc.
Compressor make_compressor(int level);
Decompressor make_decompressor();

}  // namespace schelk::stream
