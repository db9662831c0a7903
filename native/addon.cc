// The addon's entry point: nothing but initialisation. Each hot path lives in its own file pair.
#include <napi.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "aead.h"
#include "common.h"
#include "datapath.h"
#include "dh.h"
#include "esp.h"
#include "helpers.h"
#include "netlink.h"
#include "pfkey.h"
#include "prf.h"
#include "replay.h"
#include "secret.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new AddonData());
  exports.Set("opensslVersion", Napi::String::New(env, OpenSSL_version(OPENSSL_VERSION)));
  exports.Set("opensslHeaders", Napi::String::New(env, OPENSSL_VERSION_TEXT));
  using InitFn = void (*)(Napi::Env, Napi::Object);
  const InitFn inits[] = {InitSecret, InitHelpers, InitDh, InitPrf, InitAead, InitEsp, InitReplay, InitNetlink, InitPfkey, InitDatapath};
  for (InitFn init : inits) {
    init(env, exports);
    if (env.IsExceptionPending()) return exports;
  }
  return exports;
}

NODE_API_MODULE(ipsec_native, Init)
