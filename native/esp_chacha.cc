#include "esp_chacha.h"

#include <openssl/crypto.h>

#include <cstring>

#include "common.h"

namespace {

constexpr size_t kBlock = 64;

inline size_t RoundUpToBlock(size_t n) { return (n + kBlock - 1) / kBlock * kBlock; }

// text ^= keystream, and the keystream is zeroed behind it (no leftover that would decrypt the packet).
typedef uint64_t Vec16 __attribute__((vector_size(16)));
typedef uint64_t Vec32 __attribute__((vector_size(32)));
typedef uint64_t Vec64 __attribute__((vector_size(64)));

template <typename Vec>
inline void XorAndClearVectors(uint8_t* text, uint8_t* ks, size_t n) {
  constexpr size_t kWidth = sizeof(Vec);
  const Vec zero = {0};
  size_t i = 0;
  for (; i + kWidth <= n; i += kWidth) {
    Vec a, b;
    std::memcpy(&a, text + i, kWidth);
    std::memcpy(&b, ks + i, kWidth);
    a ^= b;
    std::memcpy(text + i, &a, kWidth);
    std::memcpy(ks + i, &zero, kWidth);
  }
  for (; i < n; i++) {
    text[i] ^= ks[i];
    ks[i] = 0;
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// The baseline x86-64 build only has 16-octet vectors; the widest the CPU has cuts the XOR's instructions
// by up to four (with 8-octet words it was ~10% of a 1400-octet seal).
__attribute__((target("avx512f"))) void XorAndClearAvx512(uint8_t* text, uint8_t* ks, size_t n) {
  XorAndClearVectors<Vec64>(text, ks, n);
}
__attribute__((target("avx2"))) void XorAndClearAvx2(uint8_t* text, uint8_t* ks, size_t n) {
  XorAndClearVectors<Vec32>(text, ks, n);
}
void XorAndClear(uint8_t* text, uint8_t* ks, size_t n) {
  static const int width = __builtin_cpu_supports("avx512f") ? 64 : __builtin_cpu_supports("avx2") ? 32 : 16;
  if (width == 64) return XorAndClearAvx512(text, ks, n);
  if (width == 32) return XorAndClearAvx2(text, ks, n);
  XorAndClearVectors<Vec16>(text, ks, n);
}
#else
void XorAndClear(uint8_t* text, uint8_t* ks, size_t n) { XorAndClearVectors<Vec16>(text, ks, n); }
#endif

inline void Put64Le(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

EspChaChaPoly::~EspChaChaPoly() { Wipe(); }

bool EspChaChaPoly::Init(const uint8_t* key, std::string* error) {
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "ChaCha20", nullptr);
  chacha_ = EVP_CIPHER_CTX_new();
  bool ok = cipher && chacha_ && EVP_EncryptInit_ex2(chacha_, cipher, key, nullptr, nullptr) == 1;
  EVP_CIPHER_free(cipher);
  polyAlg_ = ok ? EVP_MAC_fetch(nullptr, "POLY1305", nullptr) : nullptr;
  poly_ = polyAlg_ ? EVP_MAC_CTX_new(polyAlg_) : nullptr;
  if (!poly_) return *error = "cannot set up ChaCha20 and Poly1305: " + LastOpenSslError(), false;
  return true;
}

void EspChaChaPoly::Wipe() {
  EVP_CIPHER_CTX_free(chacha_);
  EVP_MAC_CTX_free(poly_);
  EVP_MAC_free(polyAlg_);
  chacha_ = nullptr;
  poly_ = nullptr;
  polyAlg_ = nullptr;
  OPENSSL_cleanse(scratch_, sizeof scratch_);
}

// Keystream for the next `octets` (whole blocks) into the scratch, continuing the block counter.
bool EspChaChaPoly::Keystream(size_t octets) {
  int outl = 0;
  return EVP_EncryptUpdate(chacha_, scratch_, &outl, scratch_, static_cast<int>(octets)) == 1;
}

// RFC 8439 §2.6 and §2.8: block 0 of (key, nonce) gives the one-time Poly1305 key; the payload starts at block 1.
// Makes block 0 and the first payload chunk's keystream and keys Poly1305; block 0 is cleared after.
bool EspChaChaPoly::SetNonce(const uint8_t* nonce) {
  uint8_t iv[16] = {0};  // OpenSSL's ChaCha20 IV: 32-bit little-endian block counter (0) ‖ 96-bit nonce
  std::memcpy(iv + 4, nonce, kNonceLength);
  return EVP_EncryptInit_ex2(chacha_, nullptr, nullptr, iv, nullptr) == 1;
}

bool EspChaChaPoly::Start(const uint8_t* nonce, size_t length, size_t* firstTake) {
  *firstTake = length < kChunk - kBlock ? length : kChunk - kBlock;
  bool ok = SetNonce(nonce) && Keystream(RoundUpToBlock(kBlock + *firstTake)) &&
            EVP_MAC_init(poly_, scratch_, kKeyLength, nullptr) == 1;
  OPENSSL_cleanse(scratch_, kBlock);
  return ok;
}

// Poly1305 over aad ‖ pad16 ‖ ciphertext ‖ pad16 ‖ le64(aad length) ‖ le64(ciphertext length).
bool EspChaChaPoly::Tag(const uint8_t* aad, size_t aadLength, const uint8_t* text, size_t length, uint8_t* tag) {
  uint8_t head[16] = {0};  // ESP's AAD is 8 or 12 octets: one padded block
  std::memcpy(head, aad, aadLength);
  // The text goes in as a multiple of 4 Poly1305 blocks (all taken by OpenSSL's 4-way code); its rest goes
  // with the padding and the lengths in one last update: one call fewer into the slower single-block code.
  const size_t bulk = length / 64 * 64, rest = length - bulk;
  uint8_t tail[63 + 15 + 16] = {0};
  std::memcpy(tail, text + bulk, rest);
  const size_t padded = (rest + 15) / 16 * 16;
  Put64Le(tail + padded, aadLength);
  Put64Le(tail + padded + 8, length);
  size_t outl = 0;
  return EVP_MAC_update(poly_, head, sizeof head) == 1 && EVP_MAC_update(poly_, text, bulk) == 1 &&
         EVP_MAC_update(poly_, tail, padded + 16) == 1 && EVP_MAC_final(poly_, tag, &outl, kTagLength) == 1 &&
         outl == kTagLength;
}

// XORs the keystream into text: the first chunk is already in the scratch (after block 0), the rest is made here.
bool EspChaChaPoly::Crypt(uint8_t* text, size_t length, size_t firstTake) {
  XorAndClear(text, scratch_ + kBlock, firstTake);
  // The unused end of the last block of the first chunk.
  std::memset(scratch_ + kBlock + firstTake, 0, RoundUpToBlock(kBlock + firstTake) - kBlock - firstTake);
  for (size_t done = firstTake; done < length;) {
    const size_t take = length - done < kChunk ? length - done : kChunk;
    const size_t octets = RoundUpToBlock(take);
    if (!Keystream(octets)) return OPENSSL_cleanse(scratch_, octets), false;
    XorAndClear(text + done, scratch_, take);
    std::memset(scratch_ + take, 0, octets - take);
    done += take;
  }
  return true;
}

// One ChaCha20 pass over [64 borrowed octets, zeroed ‖ text ‖ up to 63 borrowed octets]: block 0 comes out
// as the Poly1305 key, the text as ciphertext, and the borrowed octets are put back. Without room after the
// text, OpenSSL makes its partial last block in a separate call (correct, a little slower).
bool EspChaChaPoly::SealInPlace(uint8_t* text, size_t length, size_t roomAfter) {
  uint8_t* start = text - kBlock;
  const size_t extra = RoundUpToBlock(length) - length;
  const size_t borrowAfter = extra <= roomAfter ? extra : 0;
  uint8_t before[kBlock], after[kBlock];
  std::memcpy(before, start, kBlock);
  std::memset(start, 0, kBlock);
  std::memcpy(after, text + length, borrowAfter);
  int outl = 0;
  const int octets = static_cast<int>(kBlock + length + borrowAfter);
  const bool ok = EVP_EncryptUpdate(chacha_, start, &outl, start, octets) == 1 &&
                  EVP_MAC_init(poly_, start, kKeyLength, nullptr) == 1;
  std::memcpy(start, before, kBlock);  // also overwrites the one-time key
  std::memcpy(text + length, after, borrowAfter);
  return ok;
}

bool EspChaChaPoly::Seal(const uint8_t* nonce, const uint8_t* aad, size_t aadLength, uint8_t* text, size_t length,
                         uint8_t* tag, size_t roomBefore, size_t roomAfter) {
  if (aadLength > kMaxAad) return false;
  if (roomBefore >= kBlock && length <= 0x7fff0000u) {
    return SetNonce(nonce) && SealInPlace(text, length, roomAfter) && Tag(aad, aadLength, text, length, tag);
  }
  size_t first = 0;
  if (!Start(nonce, length, &first)) return OPENSSL_cleanse(scratch_, sizeof scratch_), false;
  return Crypt(text, length, first) && Tag(aad, aadLength, text, length, tag);
}

EspChaChaPoly::OpenResult EspChaChaPoly::Open(const uint8_t* nonce, const uint8_t* aad, size_t aadLength,
                                              uint8_t* text, size_t length, const uint8_t* tag) {
  if (aadLength > kMaxAad) return OpenResult::kCrypto;
  size_t first = 0;
  uint8_t expected[kTagLength];
  if (!Start(nonce, length, &first) || !Tag(aad, aadLength, text, length, expected)) {
    OPENSSL_cleanse(scratch_, sizeof scratch_);
    return OpenResult::kCrypto;
  }
  if (CRYPTO_memcmp(expected, tag, kTagLength) != 0) {
    OPENSSL_cleanse(scratch_, RoundUpToBlock(kBlock + first));  // the unused keystream
    return OpenResult::kAuth;
  }
  return Crypt(text, length, first) ? OpenResult::kOk : OpenResult::kCrypto;
}
