// AES-XCBC-MAC (RFC 3566), which OpenSSL does not provide: the AES-XCBC-PRF-128 of IKEv2 (RFC 4434, in
// prf.cc) and the AUTH_AES_XCBC_96 integrity of the SK payload (aead.cc) both run on it.
// Keyed once, then restartable: one message at a time, streamed with Update. Not thread-safe per instance.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>

class Xcbc {
 public:
  static constexpr size_t kBlock = 16;

  Xcbc() = default;
  ~Xcbc();
  Xcbc(const Xcbc&) = delete;
  Xcbc& operator=(const Xcbc&) = delete;

  // K1, K2, K3 from a 128-bit key (RFC 3566 §4.1 step 1); the context keeps K1's schedule.
  bool SetKey(const uint8_t key[kBlock]);
  void Restart();
  bool Update(const uint8_t* data, size_t size);
  // The full 128-bit MAC; the instance restarts for the next message.
  bool Final(uint8_t out[kBlock]);
  // Restart + Update + Final.
  bool Mac(const uint8_t* data, size_t size, uint8_t out[kBlock]);

 private:
  bool Chain(const uint8_t block[kBlock]);

  EVP_CIPHER_CTX* ctx_ = nullptr;
  uint8_t k2_[kBlock] = {0};
  uint8_t k3_[kBlock] = {0};
  uint8_t e_[kBlock] = {0};
  uint8_t buf_[kBlock] = {0};
  size_t buffered_ = 0;
};
