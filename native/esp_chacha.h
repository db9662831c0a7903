// ChaCha20-Poly1305 (RFC 8439 §2.8) for ESP (RFC 7634), composed from OpenSSL's ChaCha20 cipher and Poly1305
// MAC rather than its combined AEAD. Per packet the combined one runs ChaCha20 three times (the one-time
// Poly1305 key block, the whole blocks, then one more call for a partial last block; with AVX-512 each call
// computes 4 or 16 blocks at once, so a 1400-octet payload costs ~40 blocks of work for 23 used) and looks up
// OSSL_PARAMs for the nonce and the tag: 0.70x `openssl speed`'s figure. Here:
// - seal, when the buffer has 64 octets before the payload: one in-place ChaCha20 call over
//   [64 borrowed octets, zeroed ‖ payload ‖ up to 63 borrowed octets], which are then put back;
// - otherwise, and open (which must check the tag before it decrypts): one ChaCha20 call makes the key block
//   and the payload's keystream together, in chunks of whole blocks, into a per-SA scratch that is XORed into
//   the payload and zeroed again as it is used.
//
// Plain C++, no napi: data-path threads call it. One thread at a time per instance.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <string>

class EspChaChaPoly {
 public:
  static constexpr size_t kKeyLength = 32, kNonceLength = 12, kTagLength = 16, kMaxAad = 16;

  EspChaChaPoly() = default;
  ~EspChaChaPoly();  // wipes
  EspChaChaPoly(const EspChaChaPoly&) = delete;
  EspChaChaPoly& operator=(const EspChaChaPoly&) = delete;

  bool Init(const uint8_t* key, std::string* error);
  // Encrypts text[0, length) in place and writes the tag. False only if OpenSSL fails. With roomBefore >= 64
  // (octets of the caller's buffer before text), Seal borrows the 64 octets before text, and up to 63 after
  // it within roomAfter, for the one in-place ChaCha20 pass, and puts them back before it returns: that
  // saves the scratch and its XOR pass (~6% of a 1400-octet seal).
  bool Seal(const uint8_t* nonce, const uint8_t* aad, size_t aadLength, uint8_t* text, size_t length, uint8_t* tag,
            size_t roomBefore = 0, size_t roomAfter = 0);
  enum class OpenResult { kOk, kAuth, kCrypto };
  // Checks the tag over the ciphertext first, and decrypts text in place only if it verified.
  OpenResult Open(const uint8_t* nonce, const uint8_t* aad, size_t aadLength, uint8_t* text, size_t length,
                  const uint8_t* tag);
  // Frees the contexts (OpenSSL cleanses their keys) and zeroes the scratch.
  void Wipe();

 private:
  // Whole ChaCha20 blocks per call: 32 blocks is two passes of OpenSSL's widest (16-block) code path.
  static constexpr size_t kChunk = 2048;
  bool SetNonce(const uint8_t* nonce);
  bool Start(const uint8_t* nonce, size_t length, size_t* firstTake);
  bool SealInPlace(uint8_t* text, size_t length, size_t roomAfter);
  bool Keystream(size_t octets);
  bool Tag(const uint8_t* aad, size_t aadLength, const uint8_t* text, size_t length, uint8_t* tag);
  bool Crypt(uint8_t* text, size_t length, size_t firstTake);

  EVP_CIPHER_CTX* chacha_ = nullptr;  // the SA key, IV (counter ‖ nonce) set per packet
  EVP_MAC* polyAlg_ = nullptr;
  EVP_MAC_CTX* poly_ = nullptr;  // keyed per packet with the one-time key from block 0
  // All zero between packets: ChaCha20 over zeros is the keystream, which is XORed out and cleared as used.
  alignas(64) uint8_t scratch_[kChunk] = {0};
};
