// HMAC (RFC 2104) for the ESP integrity transforms, with the keyed inner and outer hash states computed once
// per SA: per packet only two plain-struct copies, no allocation and no EVP dispatch. (OpenSSL 3.0's EVP_MAC
// HMAC duplicates its digest context, a malloc and a free, on every re-init and every final.)
//
// Plain C++, no napi: data-path threads call it. One thread at a time per instance.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

class EspHmac {
 public:
  enum class Digest { kSha1, kSha256, kSha384, kSha512 };

  EspHmac();
  ~EspHmac();  // wipes
  EspHmac(const EspHmac&) = delete;
  EspHmac& operator=(const EspHmac&) = delete;

  // Keys the MAC; false if the hash functions failed (they do not, short of a broken OpenSSL).
  bool Init(Digest digest, const uint8_t* key, size_t keyLength);
  // The first `icvLength` (at most the digest length) octets of HMAC(data ‖ extra) into `icv`; `extra` is the
  // ESN high half (RFC 4303 §3.3.2.1) or nullptr.
  void Compute(const uint8_t* data, size_t length, const uint8_t* extra, size_t extraLength, uint8_t* icv,
               size_t icvLength);
  // The same in steps, so that a caller can MAC ciphertext while it is being made: Begin, Update..., Finish.
  void Begin();
  void Update(const uint8_t* data, size_t length);
  void Finish(const uint8_t* extra, size_t extraLength, uint8_t* icv, size_t icvLength);
  // Cleanses the precomputed states (they are key material: whoever has them can forge ICVs).
  void Wipe();
  bool keyed() const { return state_ != nullptr; }
  // Whether Update in 64-octet pieces costs no more than one long Update: SHA-1/256 on a CPU with the SHA
  // extensions (OpenSSL's other x86 code paths hash two blocks at a time).
  bool fastSingleBlocks() const { return fastSingleBlocks_; }

 private:
  struct State;  // the SHA contexts: their types are deprecated in the 3.0 headers, kept inside esp_hmac.cc
  struct StateDeleter {
    void operator()(State* s) const;
  };
  Digest digest_ = Digest::kSha256;
  bool fastSingleBlocks_ = false;
  std::unique_ptr<State, StateDeleter> state_;
};
