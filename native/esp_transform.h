// Transform tables and byte helpers shared by esp.cc (the SA: framing, sequence numbers, replay, N-API) and
// esp_transform.cc (the per-transform crypto of EspSa). Internal to those two files.
#pragma once

#include <cstddef>
#include <cstdint>

#include "esp.h"
#include "esp_hmac.h"

namespace esp_detail {

constexpr size_t kAeadSalt = 4;
constexpr size_t kAeadIv = 8;
constexpr size_t kAeadIcv = 16;
constexpr size_t kMaxIcv = 32;

// RFC 2404 / 4868: the key is one digest long, the ICV is the digest truncated to half (SHA-1: 96 bits).
inline bool IntegDigest(int integ, EspHmac::Digest* digest, size_t* keyLength, size_t* icvLength) {
  switch (integ) {
    case kIntegHmacSha1_96: *digest = EspHmac::Digest::kSha1; *keyLength = 20; *icvLength = 12; return true;
    case kIntegHmacSha256_128: *digest = EspHmac::Digest::kSha256; *keyLength = 32; *icvLength = 16; return true;
    case kIntegHmacSha384_192: *digest = EspHmac::Digest::kSha384; *keyLength = 48; *icvLength = 24; return true;
    case kIntegHmacSha512_256: *digest = EspHmac::Digest::kSha512; *keyLength = 64; *icvLength = 32; return true;
    default: return false;
  }
}

inline const char* CipherName(int encr, int keyBits) {
  switch (encr) {
    case kEncrAesGcm16: return keyBits == 128 ? "AES-128-GCM" : keyBits == 256 ? "AES-256-GCM" : keyBits == 192 ? "AES-192-GCM" : nullptr;
    case kEncrChaCha20Poly1305: return keyBits == 256 ? "ChaCha20-Poly1305" : nullptr;
    case kEncrAesCbc: return keyBits == 128 ? "AES-128-CBC" : keyBits == 192 ? "AES-192-CBC" : keyBits == 256 ? "AES-256-CBC" : nullptr;
    default: return nullptr;
  }
}

inline void Put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
inline uint32_t Get32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
inline void Put64(uint8_t* p, uint64_t v) {
  Put32(p, static_cast<uint32_t>(v >> 32));
  Put32(p + 4, static_cast<uint32_t>(v));
}

}  // namespace esp_detail
