#include "dh.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <cstring>
#include <mutex>

#include "common.h"
#include "helpers.h"

// ---------------------------------------------------------------------------------------------------
// Groups

static const DhGroup kGroups[] = {
    {14, "MODP2048", "2048-bit MODP", DhKind::kModp, "modp_2048", 256, 256},
    {15, "MODP3072", "3072-bit MODP", DhKind::kModp, "modp_3072", 384, 384},
    {16, "MODP4096", "4096-bit MODP", DhKind::kModp, "modp_4096", 512, 512},
    {18, "MODP8192", "8192-bit MODP", DhKind::kModp, "modp_8192", 1024, 1024},
    {19, "DH19", "ECP_256", DhKind::kEcp, "P-256", 64, 32},
    {20, "DH20", "ECP_384", DhKind::kEcp, "P-384", 96, 48},
    {21, "DH21", "ECP_521", DhKind::kEcp, "P-521", 132, 66},
    {31, "DH31", "Curve25519", DhKind::kEcx, "X25519", 32, 32},
    {32, "DH32", "Curve448", DhKind::kEcx, "X448", 56, 56},
};
static constexpr size_t kGroupCount = sizeof kGroups / sizeof kGroups[0];
static const DhGroup* const kGroupList[kGroupCount] = {&kGroups[0], &kGroups[1], &kGroups[2], &kGroups[3], &kGroups[4],
                                                       &kGroups[5], &kGroups[6], &kGroups[7], &kGroups[8]};

const DhGroup* FindDhGroup(uint32_t id) {
  for (const DhGroup& g : kGroups)
    if (g.id == id) return &g;
  return nullptr;
}

const DhGroup* const* DhGroups(size_t* count) {
  *count = kGroupCount;
  return kGroupList;
}

const char* DhErrorCode(DhError error) {
  switch (error) {
    case DhError::kNone: return "";
    case DhError::kUnknownGroup: return "ERR_IPSEC_DH_UNKNOWN_GROUP";
    case DhError::kBadLength: return "ERR_IPSEC_DH_BAD_LENGTH";
    case DhError::kBadPeer: return "ERR_IPSEC_DH_BAD_PEER";
    case DhError::kBadPrivate: return "ERR_IPSEC_DH_BAD_PRIVATE";
    case DhError::kWiped: return "ERR_IPSEC_DH_WIPED";
    case DhError::kOpenSsl: return "ERR_IPSEC_OPENSSL";
  }
  return "ERR_IPSEC_OPENSSL";
}

static std::string GroupLabel(const DhGroup& g) {
  return std::string(g.name) + " (" + g.description + ")";
}

static DhStatus Fail(DhError error, const DhGroup& g, const std::string& what) {
  DhStatus s;
  s.error = error;
  s.message = GroupLabel(g) + ": " + what;
  if (error == DhError::kOpenSsl) s.message += ": " + LastOpenSslError();
  ERR_clear_error();
  return s;
}

// ---------------------------------------------------------------------------------------------------
// Per-group templates, made once per process and shared read-only by every thread: re-creating domain
// parameters (an EC_GROUP, a DH prime) per operation costs more than some of the operations.

namespace {

size_t GroupIndex(const DhGroup& g) { return static_cast<size_t>(&g - kGroups); }

struct GroupTemplate {
  EVP_PKEY* params = nullptr;         // MODP / ECP domain parameters; nullptr for X25519 / X448
  std::vector<uint8_t> p_minus_1;     // MODP: p - 1, big-endian, p's length
  DhStatus status;
};

GroupTemplate g_templates[kGroupCount];
std::once_flag g_template_once[kGroupCount];

void MakeTemplate(const DhGroup& g, GroupTemplate* t) {
  if (g.kind == DhKind::kEcx) return;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, g.kind == DhKind::kModp ? "DH" : "EC", nullptr);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(g.openssl_name), 0),
      OSSL_PARAM_construct_end()};
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx) <= 0 ||
      EVP_PKEY_fromdata(ctx, &t->params, EVP_PKEY_KEY_PARAMETERS, params) <= 0) {
    EVP_PKEY_CTX_free(ctx);
    t->status = Fail(DhError::kOpenSsl, g, "cannot load the group's domain parameters");
    return;
  }
  EVP_PKEY_CTX_free(ctx);
  if (g.kind == DhKind::kModp) {
    BIGNUM* p = nullptr;
    if (EVP_PKEY_get_bn_param(t->params, OSSL_PKEY_PARAM_FFC_P, &p) <= 0 ||
        static_cast<size_t>(BN_num_bytes(p)) != g.public_length || !BN_sub_word(p, 1)) {
      BN_free(p);
      t->status = Fail(DhError::kOpenSsl, g, "unexpected prime");
      return;
    }
    t->p_minus_1.resize(g.public_length);
    BN_bn2binpad(p, t->p_minus_1.data(), static_cast<int>(g.public_length));
    BN_free(p);
  }
}

const GroupTemplate& Template(const DhGroup& g) {
  size_t index = GroupIndex(g);
  std::call_once(g_template_once[index], MakeTemplate, std::cref(g), &g_templates[index]);
  return g_templates[index];
}

struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;

// Per-thread reusable objects: OpenSSL looks algorithms up by name (scanning its name map) each time a
// context or key object is made, which costs a noticeable share of an X25519 or P-256 operation.
// A keygen context can generate many keys; a peer key object is refilled with each peer's public value.
// Freed when the thread exits (helper threads at setHelperThreads/teardown, the main thread at exit).
struct ThreadCache {
  EVP_PKEY_CTX* keygen[kGroupCount] = {};
  EVP_PKEY* peer[kGroupCount] = {};
  ~ThreadCache() {
    for (size_t i = 0; i < kGroupCount; i++) {
      EVP_PKEY_CTX_free(keygen[i]);
      EVP_PKEY_free(peer[i]);
    }
  }
};
thread_local ThreadCache t_cache;

}  // namespace

// ---------------------------------------------------------------------------------------------------
// DhPrivateKey

DhPrivateKey::~DhPrivateKey() { EVP_PKEY_free(pkey_); }

DhStatus DhPrivateKey::LoadPublicValue() {
  const DhGroup& g = *group_;
  public_.assign(g.public_length, 0);
  switch (g.kind) {
    case DhKind::kModp: {
      BIGNUM* y = nullptr;
      bool ok = EVP_PKEY_get_bn_param(pkey_, OSSL_PKEY_PARAM_PUB_KEY, &y) > 0 &&
                BN_bn2binpad(y, public_.data(), static_cast<int>(g.public_length)) > 0;
      BN_free(y);
      if (!ok) return Fail(DhError::kOpenSsl, g, "cannot read the public value");
      break;
    }
    case DhKind::kEcp: {
      // The uncompressed point 04 || x || y, each coordinate already padded to the field size.
      uint8_t point[1 + 2 * 66];
      size_t len = 0;
      if (EVP_PKEY_get_octet_string_param(pkey_, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof point, &len) <= 0 ||
          len != 1 + g.public_length || point[0] != 0x04)
        return Fail(DhError::kOpenSsl, g, "cannot read the public point");
      std::memcpy(public_.data(), point + 1, g.public_length);
      break;
    }
    case DhKind::kEcx: {
      size_t len = g.public_length;
      if (EVP_PKEY_get_raw_public_key(pkey_, public_.data(), &len) <= 0 || len != g.public_length)
        return Fail(DhError::kOpenSsl, g, "cannot read the public value");
      break;
    }
  }
  return DhStatus();
}

DhStatus DhPrivateKey::Generate(const DhGroup& g, std::shared_ptr<DhPrivateKey>* out) {
  const GroupTemplate& t = Template(g);
  if (!t.status.ok()) return t.status;
  EVP_PKEY_CTX*& ctx = t_cache.keygen[GroupIndex(g)];
  if (ctx == nullptr) {
    ctx = t.params ? EVP_PKEY_CTX_new_from_pkey(nullptr, t.params, nullptr)
                   : EVP_PKEY_CTX_new_from_name(nullptr, g.openssl_name, nullptr);
    if (ctx != nullptr && EVP_PKEY_keygen_init(ctx) <= 0) {
      EVP_PKEY_CTX_free(ctx);
      ctx = nullptr;
    }
    if (ctx == nullptr) return Fail(DhError::kOpenSsl, g, "cannot start key generation");
  }
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_keygen(ctx, &pkey) <= 0) return Fail(DhError::kOpenSsl, g, "key generation failed");
  std::shared_ptr<DhPrivateKey> key(new DhPrivateKey(&g, pkey));
  DhStatus s = key->LoadPublicValue();
  if (s.ok()) *out = std::move(key);
  return s;
}

// priv * G on the curve, as the uncompressed encoding OpenSSL imports.
static bool EcPublicFromPrivate(const DhGroup& g, const BIGNUM* priv, std::vector<uint8_t>* out) {
  int nid = g.id == 19 ? NID_X9_62_prime256v1 : g.id == 20 ? NID_secp384r1 : NID_secp521r1;
  EC_GROUP* group = EC_GROUP_new_by_curve_name(nid);
  EC_POINT* point = group ? EC_POINT_new(group) : nullptr;
  bool ok = point != nullptr && EC_POINT_mul(group, point, priv, nullptr, nullptr, nullptr) == 1;
  if (ok) {
    out->assign(1 + g.public_length, 0);
    ok = EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, out->data(), out->size(), nullptr) ==
         out->size();
  }
  EC_POINT_free(point);
  EC_GROUP_free(group);
  return ok;
}

DhStatus DhPrivateKey::FromPrivate(const DhGroup& g, const uint8_t* priv, size_t size,
                                   std::shared_ptr<DhPrivateKey>* out) {
  if (g.kind == DhKind::kModp)
    return Fail(DhError::kBadPrivate, g, "importing a private key is supported for ECP and Curve25519/448 only");
  size_t expected = g.kind == DhKind::kEcp ? g.shared_length : g.public_length;
  if (size != expected)
    return Fail(DhError::kBadLength, g,
                "private key must be " + std::to_string(expected) + " bytes, got " + std::to_string(size));
  EVP_PKEY* pkey = nullptr;
  if (g.kind == DhKind::kEcx) {
    pkey = EVP_PKEY_new_raw_private_key_ex(nullptr, g.openssl_name, nullptr, priv, size);
    if (pkey == nullptr) return Fail(DhError::kOpenSsl, g, "cannot import the private key");
  } else {
    BIGNUM* d = BN_secure_new();
    std::vector<uint8_t> pub;
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM* params = nullptr;
    EVP_PKEY_CTX* ctx = nullptr;
    bool ok = d != nullptr && bld != nullptr && BN_bin2bn(priv, static_cast<int>(size), d) != nullptr &&
              !BN_is_zero(d) && EcPublicFromPrivate(g, d, &pub) &&
              OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g.openssl_name, 0) &&
              OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) &&
              OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size()) &&
              (params = OSSL_PARAM_BLD_to_param(bld)) != nullptr &&
              (ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr)) != nullptr &&
              EVP_PKEY_fromdata_init(ctx) > 0 && EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) > 0;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);  // OSSL_PARAM_BLD_to_param allocates params securely when a BN is secure
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(d);
    if (!ok) return Fail(DhError::kBadPrivate, g, "cannot import the private key (not a valid scalar?)");
  }
  std::shared_ptr<DhPrivateKey> key(new DhPrivateKey(&g, pkey));
  DhStatus s = key->LoadPublicValue();
  if (s.ok()) *out = std::move(key);
  return s;
}

// MODP: 1 < y < p-1 (RFC 7296 section 3.4 leaves it to us; 0, 1 and p-1 give trivial secrets).
static bool ModpPeerInRange(const uint8_t* y, size_t size, const std::vector<uint8_t>& p_minus_1) {
  bool above_one = false;
  for (size_t i = 0; i + 1 < size && !above_one; i++) above_one = y[i] != 0;
  if (!above_one && y[size - 1] <= 1) return false;
  return std::memcmp(y, p_minus_1.data(), size) < 0;  // equal-length big-endian: numeric order
}

// The thread's peer key object for `g`, holding `peer`; nullptr if OpenSSL refuses the value. For ECP,
// decoding the point checks that x, y < p and that the point is on the curve (and so not infinity).
static EVP_PKEY* PeerKey(const DhGroup& g, const GroupTemplate& t, const uint8_t* peer, size_t size) {
  uint8_t point[1 + 2 * 66];
  const uint8_t* encoded = peer;
  size_t encoded_size = size;
  if (g.kind == DhKind::kEcp) {
    point[0] = 0x04;  // uncompressed
    std::memcpy(point + 1, peer, size);
    encoded = point;
    encoded_size = size + 1;
  }
  EVP_PKEY*& key = t_cache.peer[GroupIndex(g)];
  if (key == nullptr) {
    key = g.kind == DhKind::kEcx ? EVP_PKEY_new_raw_public_key_ex(nullptr, g.openssl_name, nullptr, peer, size)
                                 : EVP_PKEY_dup(t.params);
    if (key == nullptr) return nullptr;
    if (g.kind == DhKind::kEcx) return key;
  }
  if (EVP_PKEY_set1_encoded_public_key(key, encoded, encoded_size) <= 0) {
    EVP_PKEY_free(key);  // a refused value may leave it half-set: start afresh next time
    key = nullptr;
  }
  return key;
}

DhStatus DhPrivateKey::ComputeShared(const uint8_t* peer, size_t size, SecureBuffer* out) const {
  const DhGroup& g = *group_;
  if (size != g.public_length)
    return Fail(DhError::kBadLength, g,
                "peer public value must be " + std::to_string(g.public_length) + " bytes, got " + std::to_string(size));
  const GroupTemplate& t = Template(g);
  if (!t.status.ok()) return t.status;
  if (g.kind == DhKind::kModp && !ModpPeerInRange(peer, size, t.p_minus_1))
    return Fail(DhError::kBadPeer, g, "peer public value is out of range (must be 1 < y < p-1)");
  EVP_PKEY* peer_key = PeerKey(g, t, peer, size);
  if (peer_key == nullptr) {
    if (g.kind == DhKind::kEcp) return Fail(DhError::kBadPeer, g, "peer public value is not a point on the curve");
    return Fail(DhError::kBadPeer, g, "peer public value is not acceptable");
  }
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_, nullptr));
  // Validation is ours (above): OpenSSL's full public-key check would add a scalar multiplication.
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 ||
      (g.kind == DhKind::kModp && EVP_PKEY_CTX_set_dh_pad(ctx.get(), 1) <= 0))
    return Fail(DhError::kOpenSsl, g, "cannot start the key exchange");
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer_key, 0) <= 0)
    return Fail(DhError::kBadPeer, g, "peer public value rejected");
  SecureBuffer secret(g.shared_length);
  size_t len = g.shared_length;
  if (EVP_PKEY_derive(ctx.get(), secret.data(), &len) <= 0) {
    // X25519/X448 fail exactly when the result is all zero (a small-order peer value, RFC 7748 section 6).
    if (g.kind == DhKind::kEcx)
      return Fail(DhError::kBadPeer, g, "peer public value gives an all-zero shared secret (small-order point)");
    return Fail(DhError::kBadPeer, g, "key exchange with the peer public value failed");
  }
  if (len != g.shared_length) return Fail(DhError::kOpenSsl, g, "unexpected shared secret length");
  if (g.kind == DhKind::kEcx) {
    uint8_t acc = 0;
    for (size_t i = 0; i < len; i++) acc |= secret.data()[i];
    if (acc == 0)
      return Fail(DhError::kBadPeer, g, "peer public value gives an all-zero shared secret (small-order point)");
  }
  *out = std::move(secret);
  return DhStatus();
}

// ---------------------------------------------------------------------------------------------------
// N-API face

static const char kKeyPairCtor[] = "DhKeyPair";
static const napi_type_tag kKeyPairTag = {0x285de5c4623f47bbULL, 0x82b289579ce770e1ULL};

static Napi::Error DhJsError(Napi::Env env, const DhStatus& s) {
  Napi::Error e = Napi::Error::New(env, s.message);
  e.Set("code", Napi::String::New(env, DhErrorCode(s.error)));
  return e;
}

static void ThrowDh(Napi::Env env, const DhStatus& s) { ThrowError(env, DhErrorCode(s.error), s.message); }

// The group named by argument `value`, or nullptr with a pending JS error.
static const DhGroup* GroupArg(Napi::Env env, const Napi::Value& value) {
  uint32_t id = 0;
  if (!GetUint32(env, value, "group", &id)) return nullptr;
  const DhGroup* g = FindDhGroup(id);
  if (g == nullptr)
    ThrowError(env, DhErrorCode(DhError::kUnknownGroup),
               "unknown DH group " + std::to_string(id) + " (IKEv2 transform type 4 ID)");
  return g;
}

// The JavaScript face of a DhPrivateKey. Created only by the dh* functions (the class is not exported).
class DhKeyPair : public Napi::ObjectWrap<DhKeyPair> {
 public:
  static void Init(Napi::Env env) {
    Napi::Function ctor = DefineClass(env, kKeyPairCtor,
                                      {
                                          InstanceAccessor<&DhKeyPair::Group>("group"),
                                          InstanceAccessor<&DhKeyPair::PublicKey>("publicKey"),
                                          InstanceAccessor<&DhKeyPair::Wiped>("wiped"),
                                          InstanceMethod<&DhKeyPair::ComputeShared>("computeShared"),
                                          InstanceMethod<&DhKeyPair::Wipe>("wipe"),
                                      });
    GetAddonData(env)->constructors[kKeyPairCtor] = Napi::Persistent(ctor);
  }

  static Napi::Value NewInstance(Napi::Env env, std::shared_ptr<DhPrivateKey> key) {
    Napi::Object obj = GetAddonData(env)->constructors[kKeyPairCtor].New({});
    if (obj.IsEmpty()) return obj;
    DhKeyPair* self = Unwrap(obj);
    if (self == nullptr) return Napi::Value();  // the environment is going away
    self->group_id_ = key->group().id;
    self->public_ = key->public_value();
    self->key_ = std::move(key);
    return obj;
  }

  // The DhKeyPair behind `value`, or nullptr with a pending TypeError.
  static DhKeyPair* FromValue(Napi::Env env, const Napi::Value& value) {
    // The tag, not instanceof: see TagInstance in common.h.
    if (HasTypeTag(env, value, &kKeyPairTag))
      if (DhKeyPair* pair = Unwrap(value.As<Napi::Object>())) return pair;
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "pair must be a DhKeyPair");
    return nullptr;
  }

  explicit DhKeyPair(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DhKeyPair>(info) {
    TagInstance(info.Env(), info.This().As<Napi::Object>(), &kKeyPairTag);
  }

  // The key, or nullptr with a pending error once wiped. Jobs hold their own reference, so a wipe (or GC)
  // while a job runs frees the key when the job is done with it.
  std::shared_ptr<DhPrivateKey> Key(Napi::Env env) const {
    if (!key_) {
      const DhGroup* g = FindDhGroup(group_id_);
      DhStatus s;
      s.error = DhError::kWiped;
      s.message = std::string(g ? g->name : "DH") + ": the key pair was wiped";
      ThrowDh(env, s);
    }
    return key_;
  }

 private:
  Napi::Value Group(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), group_id_); }
  Napi::Value PublicKey(const Napi::CallbackInfo& info) {
    return CopyToBuffer(info.Env(), public_.data(), public_.size());
  }
  Napi::Value Wiped(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !key_); }

  Napi::Value ComputeShared(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ByteView peer;
    if (!GetBytes(env, info[0], "peer", &peer)) return env.Null();
    std::shared_ptr<DhPrivateKey> key = Key(env);
    if (!key) return env.Null();
    SecureBuffer secret;
    DhStatus s = key->ComputeShared(peer.data, peer.size, &secret);
    if (!s.ok()) {
      ThrowDh(env, s);
      return env.Null();
    }
    return SecretBytes::NewInstance(env, std::move(secret));
  }

  Napi::Value Wipe(const Napi::CallbackInfo& info) {
    key_.reset();
    return info.Env().Undefined();
  }

  std::shared_ptr<DhPrivateKey> key_;
  std::vector<uint8_t> public_;
  uint32_t group_id_ = 0;
};

namespace {

class KeygenJob : public HelperJob {
 public:
  explicit KeygenJob(const DhGroup* group) : group_(group) {}
  void Execute() override { status_ = DhPrivateKey::Generate(*group_, &key_); }
  Napi::Value Outcome(Napi::Env env, bool* reject) override {
    if (!status_.ok()) {
      *reject = true;
      return DhJsError(env, status_).Value();
    }
    return DhKeyPair::NewInstance(env, std::move(key_));
  }

 private:
  const DhGroup* group_;
  std::shared_ptr<DhPrivateKey> key_;
  DhStatus status_;
};

class SharedSecretJob : public HelperJob {
 public:
  SharedSecretJob(std::shared_ptr<DhPrivateKey> key, const uint8_t* peer, size_t size)
      : key_(std::move(key)), peer_(peer, peer + size) {}
  void Execute() override {
    status_ = key_->ComputeShared(peer_.data(), peer_.size(), &secret_);
    key_.reset();
  }
  Napi::Value Outcome(Napi::Env env, bool* reject) override {
    if (!status_.ok()) {
      *reject = true;
      return DhJsError(env, status_).Value();
    }
    return SecretBytes::NewInstance(env, std::move(secret_));
  }

 private:
  std::shared_ptr<DhPrivateKey> key_;
  std::vector<uint8_t> peer_;
  SecureBuffer secret_;
  DhStatus status_;
};

}  // namespace

// dhGenerateKeyPair(group): DhKeyPair, on the calling thread.
static Napi::Value GenerateKeyPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const DhGroup* g = GroupArg(env, info[0]);
  if (g == nullptr) return env.Null();
  std::shared_ptr<DhPrivateKey> key;
  DhStatus s = DhPrivateKey::Generate(*g, &key);
  if (!s.ok()) {
    ThrowDh(env, s);
    return env.Null();
  }
  return DhKeyPair::NewInstance(env, std::move(key));
}

// dhGenerateKeyPairAsync(group): Promise<DhKeyPair>, on the helper pool. Never throws: rejects.
static Napi::Value GenerateKeyPairAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const DhGroup* g = GroupArg(env, info[0]);
  if (g == nullptr) return RejectWithPendingException(env);
  return SubmitHelperJob(env, std::unique_ptr<HelperJob>(new KeygenJob(g)));
}

// dhComputeSharedAsync(pair, peer): Promise<SecretBytes>, on the helper pool. The peer bytes are copied
// now, so the caller may reuse its buffer at once.
static Napi::Value ComputeSharedAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DhKeyPair* pair = DhKeyPair::FromValue(env, info[0]);
  if (pair == nullptr) return RejectWithPendingException(env);
  ByteView peer;
  if (!GetBytes(env, info[1], "peer", &peer)) return RejectWithPendingException(env);
  std::shared_ptr<DhPrivateKey> key = pair->Key(env);
  if (!key) return RejectWithPendingException(env);
  return SubmitHelperJob(env, std::unique_ptr<HelperJob>(new SharedSecretJob(std::move(key), peer.data, peer.size)));
}

// dhKeyPairFromPrivate(group, privateBytes): known-answer tests only.
static Napi::Value KeyPairFromPrivate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const DhGroup* g = GroupArg(env, info[0]);
  if (g == nullptr) return env.Null();
  ByteView priv;
  if (!GetBytes(env, info[1], "privateKey", &priv)) return env.Null();
  std::shared_ptr<DhPrivateKey> key;
  DhStatus s = DhPrivateKey::FromPrivate(*g, priv.data, priv.size, &key);
  if (!s.ok()) {
    ThrowDh(env, s);
    return env.Null();
  }
  return DhKeyPair::NewInstance(env, std::move(key));
}

// dhGroupPrime(group): the MODP prime OpenSSL uses (to check it against RFC 3526).
static Napi::Value GroupPrime(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const DhGroup* g = GroupArg(env, info[0]);
  if (g == nullptr) return env.Null();
  if (g->kind != DhKind::kModp) {
    ThrowError(env, DhErrorCode(DhError::kUnknownGroup), GroupLabel(*g) + ": not a MODP group");
    return env.Null();
  }
  const GroupTemplate& t = Template(*g);
  if (!t.status.ok()) {
    ThrowDh(env, t.status);
    return env.Null();
  }
  std::vector<uint8_t> p = t.p_minus_1;
  p.back() |= 1;  // p is odd, so p - 1 differs from p in the last bit only
  return CopyToBuffer(env, p.data(), p.size());
}

void InitDh(Napi::Env env, Napi::Object exports) {
  DhKeyPair::Init(env);
  Napi::Object public_lengths = Napi::Object::New(env);
  Napi::Object shared_lengths = Napi::Object::New(env);
  for (const DhGroup& g : kGroups) {
    public_lengths.Set(g.id, Napi::Number::New(env, static_cast<double>(g.public_length)));
    shared_lengths.Set(g.id, Napi::Number::New(env, static_cast<double>(g.shared_length)));
  }
  exports.Set("dhPublicLengths", public_lengths);
  exports.Set("dhSharedLengths", shared_lengths);
  exports.Set("dhGenerateKeyPair", Napi::Function::New(env, GenerateKeyPair, "dhGenerateKeyPair"));
  exports.Set("dhGenerateKeyPairAsync", Napi::Function::New(env, GenerateKeyPairAsync, "dhGenerateKeyPairAsync"));
  exports.Set("dhComputeSharedAsync", Napi::Function::New(env, ComputeSharedAsync, "dhComputeSharedAsync"));
  exports.Set("dhKeyPairFromPrivate", Napi::Function::New(env, KeyPairFromPrivate, "dhKeyPairFromPrivate"));
  exports.Set("dhGroupPrime", Napi::Function::New(env, GroupPrime, "dhGroupPrime"));
}
