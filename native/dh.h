// IKEv2 key exchange (transform type 4): MODP 14/15/16/18 (RFC 3526), ECP 19/20/21 (RFC 5903),
// Curve25519/Curve448 31/32 (RFC 8031), over OpenSSL 3 EVP.
//
// The core (DhGroup, DhPrivateKey) is plain C++ with no napi types, so the helper pool's threads run it;
// InitDh adds the thin N-API face (the DhKeyPair class and the dh* functions).
#pragma once

#include <napi.h>
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "secret.h"

enum class DhKind { kModp, kEcp, kEcx };

struct DhGroup {
  uint32_t id;                // IKEv2 transform ID
  const char* name;           // Libreswan's name (MODP2048, DH19, DH31, ...)
  const char* description;    // the curve or prime, for messages (ECP_256, Curve25519, ...)
  DhKind kind;
  const char* openssl_name;   // OpenSSL's group / algorithm name
  size_t public_length;       // KE payload data length
  size_t shared_length;       // g^ir length
};

// The group with this IKEv2 transform ID, or nullptr.
const DhGroup* FindDhGroup(uint32_t id);
// All supported groups, in transform ID order.
const DhGroup* const* DhGroups(size_t* count);

enum class DhError { kNone, kUnknownGroup, kBadLength, kBadPeer, kBadPrivate, kWiped, kOpenSsl };

// An outcome of a core call. The message names the group and never contains key material.
struct DhStatus {
  DhError error = DhError::kNone;
  std::string message;
  bool ok() const { return error == DhError::kNone; }
};

// The JS error code for an error kind (ERR_IPSEC_DH_BAD_PEER, ...).
const char* DhErrorCode(DhError error);

// One side's ephemeral key pair. The private key never leaves the EVP_PKEY (freed with the object).
// Immutable once made, so several threads may compute shared secrets with it at once.
class DhPrivateKey {
 public:
  ~DhPrivateKey();
  DhPrivateKey(const DhPrivateKey&) = delete;
  DhPrivateKey& operator=(const DhPrivateKey&) = delete;

  static DhStatus Generate(const DhGroup& group, std::shared_ptr<DhPrivateKey>* out);
  // Known-answer tests only: the key pair of a given private value (EC scalar, X25519/X448 scalar).
  static DhStatus FromPrivate(const DhGroup& group, const uint8_t* priv, size_t size,
                              std::shared_ptr<DhPrivateKey>* out);

  // g^ir from the peer's KE payload data, after validating it (length, range, curve, all-zero result).
  DhStatus ComputeShared(const uint8_t* peer, size_t size, SecureBuffer* out) const;

  const DhGroup& group() const { return *group_; }
  const std::vector<uint8_t>& public_value() const { return public_; }

 private:
  DhPrivateKey(const DhGroup* group, EVP_PKEY* pkey) : group_(group), pkey_(pkey) {}
  DhStatus LoadPublicValue();

  const DhGroup* group_;
  EVP_PKEY* pkey_;
  std::vector<uint8_t> public_;
};

void InitDh(Napi::Env env, Napi::Object exports);
