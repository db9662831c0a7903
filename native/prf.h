// IKEv2 pseudo-random functions (RFC 7296 transform type 2), PRF+ and the IKEv2 key derivations.
//
// The core below is plain C++ (no napi types) so helper and data-path threads can call it; the N-API
// wrappers in prf.cc are its only JavaScript face. Every core function is thread-safe: the OpenSSL
// algorithm objects are fetched once per process and each call works on its own duplicated context.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>

#include "secret.h"

// IKEv2 transform type 2 (PRF) identifiers this module implements.
enum PrfId : uint32_t {
  kPrfHmacSha1 = 2,
  kPrfAes128Xcbc = 4,
  kPrfHmacSha2_256 = 5,
  kPrfHmacSha2_384 = 6,
  kPrfHmacSha2_512 = 7,
  kPrfAes128Cmac = 8,
};

enum class PrfStatus {
  kOk,
  kUnknownPrf,   // not one of the PrfId values
  kBadLength,    // empty key, nonce too short, output longer than 255 PRF+ blocks, ...
  kCryptoError,  // OpenSSL failed: its error queue says why
};

// A read-only run of bytes (one piece of a concatenated PRF input).
struct ByteSpan {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

// Output length of the PRF in bytes, which is also its preferred key length (SK_d, SK_pi, SK_pr);
// 0 for an unknown id.
size_t PrfOutputLength(uint32_t id);

// PRF+ stops at 255 blocks (RFC 7296 section 2.13).
size_t PrfPlusMaxLength(uint32_t id);

// A short English reason for a non-OK status (never contains input bytes).
const char* PrfStatusMessage(PrfStatus status);

// out[0 .. PrfOutputLength(id)) = prf(key, parts[0] | parts[1] | ... ).
PrfStatus PrfCompute(uint32_t id, ByteSpan key, const ByteSpan* parts, size_t count, uint8_t* out);

// out[0 .. length) = prf+(key, seed parts concatenated), RFC 7296 section 2.13.
PrfStatus PrfPlus(uint32_t id, ByteSpan key, const ByteSpan* seed, size_t count, uint8_t* out, size_t length);

// SKEYSEED = prf(Ni | Nr, g^ir); for AES-XCBC-PRF-128 and AES-CMAC-PRF-128 the key is the first
// 64 bits of Ni followed by the first 64 bits of Nr (RFC 7296 section 2.14).
PrfStatus IkeSkeyseed(uint32_t id, ByteSpan ni, ByteSpan nr, ByteSpan gir, SecureBuffer* out);

// Rekeyed IKE SA: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) (RFC 7296 section 2.18).
PrfStatus IkeRekeySkeyseed(uint32_t id, ByteSpan old_sk_d, ByteSpan gir, ByteSpan ni, ByteSpan nr, SecureBuffer* out);

// {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr):
// `length` bytes of it (the caller slices).
PrfStatus IkeKeymat(uint32_t id, ByteSpan skeyseed, ByteSpan ni, ByteSpan nr, ByteSpan spi_i, ByteSpan spi_r,
                    size_t length, SecureBuffer* out);

// Child SA KEYMAT = prf+(SK_d, Ni | Nr), or prf+(SK_d, g^ir (new) | Ni | Nr) when `gir` is not null
// (PFS), RFC 7296 section 2.17.
PrfStatus ChildKeymat(uint32_t id, ByteSpan sk_d, const ByteSpan* gir, ByteSpan ni, ByteSpan nr, size_t length,
                      SecureBuffer* out);

void InitPrf(Napi::Env env, Napi::Object exports);
