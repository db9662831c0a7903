// EspSa's per-transform crypto: keymat lengths, AEAD seal/open (AES-GCM through OpenSSL's EVP AEAD,
// ChaCha20-Poly1305 through esp_chacha.h), AES-CBC encrypt-then-MAC and HMAC (esp_hmac.h).
#include <openssl/crypto.h>

#include <cstring>

#include "esp.h"
#include "esp_transform.h"

using namespace esp_detail;

bool EspKeymatLengthsFor(int encr, int keyBits, int integ, EspKeymatLengths* out, std::string* error) {
  const bool aead = encr == kEncrAesGcm16 || encr == kEncrChaCha20Poly1305;
  if (encr == kEncrNull) {
    if (keyBits != 0) return *error = "NULL encryption takes no key (keyBits 0)", false;
    out->encr = 0;
  } else {
    if (!CipherName(encr, keyBits)) {
      return *error = "unsupported ESP encryption " + std::to_string(encr) + " with " + std::to_string(keyBits) + "-bit key", false;
    }
    out->encr = static_cast<size_t>(keyBits) / 8 + (aead ? kAeadSalt : 0);
  }
  if (aead) {
    if (integ != kIntegNone) return *error = "an AEAD transform takes no integrity algorithm (integ 0)", false;
    out->integ = 0;
    return true;
  }
  size_t icv = 0;
  EspHmac::Digest digest = EspHmac::Digest::kSha256;
  if (!IntegDigest(integ, &digest, &out->integ, &icv)) {
    return *error = "unsupported or missing ESP integrity algorithm " + std::to_string(integ), false;
  }
  return true;
}

// HMAC over header ‖ IV ‖ ciphertext, then the ESN high bits (RFC 4303 §3.3.2.1), truncated to the ICV.
void EspSa::Mac(const uint8_t* data, size_t length, uint32_t seqHigh, uint8_t* icv) {
  uint8_t high[4];
  Put32(high, seqHigh);
  hmac_.Compute(data, length, high, esn_ ? 4 : 0, icv, icvLength_);
}

// AES-CBC then HMAC over header ‖ IV ‖ ciphertext. Where the hash has single-block instructions (SHA-NI for
// SHA-1/256) the two are interleaved: the MAC takes each 64-octet stretch once it is ciphertext and the next
// one has been encrypted, so the CPU overlaps the two dependency chains (AES-CBC and SHA are each
// latency-bound): measured ~7-20% faster per 1400-octet seal than one pass after the other (128- and
// 256-octet stretches did less well). Without SHA-NI, OpenSSL's AVX2 SHA code works two blocks at a time
// and one-block calls cost it more instructions (callgrind), so there the MAC runs in one pass after.
bool EspSa::EncryptAndMacCbc(uint8_t* esp, size_t textLength, uint64_t seq, uint8_t* icv) {
  constexpr size_t kStretch = 64;  // a multiple of the AES block; the SHA-1/256 block
  const size_t stretch = hmac_.fastSingleBlocks() ? kStretch : textLength;
  uint8_t* iv = esp + 8;
  uint8_t* text = esp + headerLength();
  uint8_t block[16] = {0};
  Put64(block + 8, seq);
  int outl = 0;
  if (EVP_EncryptUpdate(ivGen_, iv, &outl, block, 16) != 1 ||
      EVP_CipherInit_ex2(cipher_, nullptr, nullptr, iv, 1, nullptr) != 1) {
    return false;
  }
  hmac_.Begin();
  size_t hashed = 0;
  for (size_t done = 0; done < textLength;) {
    const size_t take = textLength - done < stretch ? textLength - done : stretch;
    if (EVP_CipherUpdate(cipher_, text + done, &outl, text + done, static_cast<int>(take)) != 1) {
      uint8_t scrap[kMaxIcv];
      hmac_.Finish(nullptr, 0, scrap, sizeof scrap);  // clears the working state
      return false;
    }
    done += take;
    // Whole stretches of header ‖ IV ‖ ciphertext, one stretch behind what was just encrypted.
    const size_t ready = headerLength() + done;
    const size_t upTo = ready > stretch ? (ready - stretch) / stretch * stretch : 0;
    if (upTo > hashed) {
      hmac_.Update(esp + hashed, upTo - hashed);
      hashed = upTo;
    }
  }
  hmac_.Update(esp + hashed, headerLength() + textLength - hashed);
  uint8_t high[4];
  Put32(high, static_cast<uint32_t>(seq >> 32));
  hmac_.Finish(high, esn_ ? 4 : 0, icv, icvLength_);
  return true;
}

// RFC 4106 §5 / RFC 7634 §2.1: SPI ‖ seq (32 bits), or SPI ‖ ESN high ‖ low with ESN.
size_t EspSa::Aad(uint64_t seq, uint8_t* aad) const {
  Put32(aad, spi_);
  if (!esn_) return Put32(aad + 4, static_cast<uint32_t>(seq)), 8;
  Put64(aad + 4, seq);
  return 12;
}

// RFC 4106 / 7634: nonce = salt ‖ explicit IV; the key was set once, only the nonce changes.
bool EspSa::AeadCrypt(bool encrypt, const uint8_t* aad, size_t aadLength, const uint8_t* explicitIv, uint8_t* data,
                      size_t length, uint8_t* tag, size_t roomBefore, size_t roomAfter) {
  uint8_t nonce[kAeadSalt + kAeadIv];
  std::memcpy(nonce, salt_.data(), kAeadSalt);
  std::memcpy(nonce + kAeadSalt, explicitIv, kAeadIv);
  if (chacha_) {
    if (encrypt) return chacha_->Seal(nonce, aad, aadLength, data, length, tag, roomBefore, roomAfter);
    return chacha_->Open(nonce, aad, aadLength, data, length, tag) == EspChaChaPoly::OpenResult::kOk;
  }
  int outl = 0;
  if (EVP_CipherInit_ex2(cipher_, nullptr, nullptr, nonce, encrypt ? 1 : 0, nullptr) != 1) return false;
  if (EVP_CipherUpdate(cipher_, nullptr, &outl, aad, static_cast<int>(aadLength)) != 1) return false;
  if (length && EVP_CipherUpdate(cipher_, data, &outl, data, static_cast<int>(length)) != 1) return false;
  if (!encrypt && EVP_CIPHER_CTX_ctrl(cipher_, EVP_CTRL_AEAD_SET_TAG, kAeadIcv, tag) != 1) return false;
  if (EVP_CipherFinal_ex(cipher_, data + length, &outl) != 1) return false;  // fails if the tag is wrong
  return !encrypt || EVP_CIPHER_CTX_ctrl(cipher_, EVP_CTRL_AEAD_GET_TAG, kAeadIcv, tag) == 1;
}
