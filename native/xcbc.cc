#include "xcbc.h"

#include <openssl/crypto.h>

#include <cstring>

namespace {
// Fetched once per process (thread-safe static initialisation), not per key.
const EVP_CIPHER* Aes128Ecb() {
  static EVP_CIPHER* aes = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
  return aes;
}
}  // namespace

Xcbc::~Xcbc() {
  EVP_CIPHER_CTX_free(ctx_);
  OPENSSL_cleanse(k2_, sizeof k2_);
  OPENSSL_cleanse(k3_, sizeof k3_);
  OPENSSL_cleanse(e_, sizeof e_);
  OPENSSL_cleanse(buf_, sizeof buf_);
}

bool Xcbc::SetKey(const uint8_t key[kBlock]) {
  const EVP_CIPHER* aes = Aes128Ecb();
  if (aes == nullptr) return false;
  if (ctx_ == nullptr && (ctx_ = EVP_CIPHER_CTX_new()) == nullptr) return false;
  uint8_t constants[3 * kBlock];
  std::memset(constants, 0x01, kBlock);
  std::memset(constants + kBlock, 0x02, kBlock);
  std::memset(constants + 2 * kBlock, 0x03, kBlock);
  uint8_t derived[3 * kBlock];
  int n = 0;
  bool ok = EVP_EncryptInit_ex2(ctx_, aes, key, nullptr, nullptr) && EVP_CIPHER_CTX_set_padding(ctx_, 0) &&
            EVP_EncryptUpdate(ctx_, derived, &n, constants, sizeof constants) && n == sizeof derived &&
            EVP_EncryptInit_ex2(ctx_, nullptr, derived, nullptr, nullptr);
  if (ok) {
    std::memcpy(k2_, derived + kBlock, kBlock);
    std::memcpy(k3_, derived + 2 * kBlock, kBlock);
  }
  OPENSSL_cleanse(derived, sizeof derived);
  Restart();
  return ok;
}

void Xcbc::Restart() {
  std::memset(e_, 0, sizeof e_);
  buffered_ = 0;
}

bool Xcbc::Update(const uint8_t* data, size_t size) {
  while (size > 0) {
    // A full block is only chained once more input follows: the last block is treated apart.
    if (buffered_ == kBlock) {
      if (!Chain(buf_)) return false;
      buffered_ = 0;
    }
    size_t take = kBlock - buffered_ < size ? kBlock - buffered_ : size;
    std::memcpy(buf_ + buffered_, data, take);
    buffered_ += take;
    data += take;
    size -= take;
  }
  return true;
}

bool Xcbc::Final(uint8_t out[kBlock]) {
  const uint8_t* pad_key = k2_;
  if (buffered_ < kBlock) {  // incomplete (or empty) last block: 10* padding and K3
    buf_[buffered_] = 0x80;
    std::memset(buf_ + buffered_ + 1, 0, kBlock - buffered_ - 1);
    pad_key = k3_;
  }
  for (size_t i = 0; i < kBlock; i++) buf_[i] ^= pad_key[i];
  bool ok = Chain(buf_);
  if (ok) std::memcpy(out, e_, kBlock);
  Restart();
  return ok;
}

bool Xcbc::Mac(const uint8_t* data, size_t size, uint8_t out[kBlock]) {
  Restart();
  return Update(data, size) && Final(out);
}

bool Xcbc::Chain(const uint8_t block[kBlock]) {
  uint8_t x[kBlock];
  for (size_t i = 0; i < kBlock; i++) x[i] = block[i] ^ e_[i];
  int n = 0;
  bool ok = EVP_EncryptUpdate(ctx_, e_, &n, x, kBlock) && n == static_cast<int>(kBlock);
  OPENSSL_cleanse(x, sizeof x);
  return ok;
}
