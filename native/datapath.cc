// The N-API face of the userspace data path: a `Datapath` class that the control plane programs with SAs and
// policies and that reports IKE datagrams, acquires and expiries through one batched thread-safe callback.
// The typed facade is src/native/datapath.ts.
#include "datapath.h"

#include <memory>
#include <thread>

#include "common.h"
#include "datapath_core.h"
#include "secret.h"

namespace {

const char kCtorName[] = "Datapath";

// Without a `queues` option: one queue per CPU (measured in benchmarks/tunnel-ours.ts).
uint32_t DefaultQueues() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n > 64 ? 64 : n;
}

Napi::Value Prop(const Napi::Object& o, const char* key) { return o.Get(key); }

bool GetObject(Napi::Env env, const Napi::Value& v, const char* what, Napi::Object* out) {
  if (!v.IsObject()) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", std::string(what) + " must be an object");
    return false;
  }
  *out = v.As<Napi::Object>();
  return true;
}

bool GetU64(Napi::Env env, const Napi::Value& v, const char* what, uint64_t* out) {
  if (v.IsUndefined()) return *out = 0, true;
  if (!v.IsNumber() || v.As<Napi::Number>().DoubleValue() < 0 || v.As<Napi::Number>().DoubleValue() > 9.007199254740991e15) {
    ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", std::string(what) + " must be a non-negative integer");
    return false;
  }
  *out = static_cast<uint64_t>(v.As<Napi::Number>().DoubleValue());
  return true;
}

bool GetPort(Napi::Env env, const Napi::Value& v, const char* what, uint16_t* out) {
  uint32_t x = 0;
  if (!GetUint32(env, v, what, &x)) return false;
  if (x > 65535) {
    ThrowError(env, "ERR_OUT_OF_RANGE", std::string(what) + " must be a port number");
    return false;
  }
  *out = static_cast<uint16_t>(x);
  return true;
}

bool GetSelector(Napi::Env env, const Napi::Value& v, DpSelector* sel) {
  Napi::Object o;
  if (!GetObject(env, v, "selector", &o)) return false;
  std::string src, dst;
  uint32_t proto = 0;
  if (!GetString(env, Prop(o, "src"), "selector.src", &src) || !GetString(env, Prop(o, "dst"), "selector.dst", &dst) ||
      !GetUint32(env, Prop(o, "proto"), "selector.proto", &proto) ||
      !GetPort(env, Prop(o, "srcPort"), "selector.srcPort", &sel->srcPort) ||
      !GetPort(env, Prop(o, "dstPort"), "selector.dstPort", &sel->dstPort)) {
    return false;
  }
  uint8_t fs = 0, fd = 0;
  if (!DpParseCidr(src, &fs, sel->src, &sel->srcPrefix) || !DpParseCidr(dst, &fd, sel->dst, &sel->dstPrefix)) {
    ThrowError(env, "ERR_IPSEC_BAD_SELECTOR", "selector src/dst must be CIDR subnets (\"10.1.0.0/24\")");
    return false;
  }
  if (fs != fd || proto > 255) {
    ThrowError(env, "ERR_IPSEC_BAD_SELECTOR", "selector src and dst must be of one family, proto in 0..255");
    return false;
  }
  sel->family = fs;
  sel->proto = static_cast<uint8_t>(proto);
  return true;
}

bool GetDirection(Napi::Env env, const Napi::Value& v, DpDirection* out) {
  std::string d;
  if (!GetString(env, v, "direction", &d)) return false;
  if (d == "out") *out = DpDirection::kOut;
  else if (d == "in") *out = DpDirection::kIn;
  else if (d == "fwd") *out = DpDirection::kFwd;
  else return ThrowError(env, "ERR_IPSEC_BAD_DIRECTION", "direction must be in, out or fwd"), false;
  return true;
}

Napi::Object SelectorObject(Napi::Env env, const DpSelector& s) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("src", DpCidrText(s.family, s.src, s.srcPrefix));
  o.Set("dst", DpCidrText(s.family, s.dst, s.dstPrefix));
  o.Set("proto", Napi::Number::New(env, s.proto));
  o.Set("srcPort", Napi::Number::New(env, s.srcPort));
  o.Set("dstPort", Napi::Number::New(env, s.dstPort));
  return o;
}

class DatapathWrap : public Napi::ObjectWrap<DatapathWrap> {
 public:
  // new Datapath({ tunName, localAddress, port, mtu, offload, queues }, onEvent(events[]))
  explicit DatapathWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DatapathWrap>(info) {
    Napi::Env env = info.Env();
    Napi::Object o;
    if (!GetObject(env, info[0], "options", &o)) return;
    uint32_t mtu = 1400;
    if (!GetString(env, Prop(o, "tunName"), "tunName", &options_.tunName) ||
        !GetString(env, Prop(o, "localAddress"), "localAddress", &options_.localAddress) ||
        !GetPort(env, Prop(o, "port"), "port", &options_.port))
      return;
    if (!Prop(o, "mtu").IsUndefined() && !GetUint32(env, Prop(o, "mtu"), "mtu", &mtu)) return;
    if (options_.tunName.empty() || options_.tunName.size() >= 16) {
      ThrowError(env, "ERR_IPSEC_BAD_TUN_NAME", "tunName must be 1..15 characters");
      return;
    }
    if (mtu < 576 || mtu > 65000) {
      ThrowError(env, "ERR_OUT_OF_RANGE", "mtu must be in 576..65000");
      return;
    }
    options_.mtu = mtu;
    options_.offload = Prop(o, "offload").IsUndefined() ? true : Prop(o, "offload").ToBoolean().Value();
    uint32_t queues = DefaultQueues();
    if (!Prop(o, "queues").IsUndefined() && !GetUint32(env, Prop(o, "queues"), "queues", &queues)) return;
    if (queues < 1 || queues > 64) {
      ThrowError(env, "ERR_OUT_OF_RANGE", "queues must be in 1..64");
      return;
    }
    options_.queues = queues;
    if (!info[1].IsFunction()) {
      ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "onEvent must be a function");
      return;
    }
    onEvent_ = Napi::Persistent(info[1].As<Napi::Function>());
    core_ = std::make_shared<Datapath>();
  }
  ~DatapathWrap() override { StopCore(); }

  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (core_->running()) return ThrowError(env, "ERR_IPSEC_DATAPATH_RUNNING", "already started"), Napi::Value();
    tsfn_ = Napi::ThreadSafeFunction::New(env, onEvent_.Value(), "datapath-events", 0, 1);
    tsfn_.Unref(env);
    std::weak_ptr<Datapath> weak = core_;
    Napi::ThreadSafeFunction tsfn = tsfn_;
    auto deliver = [weak](Napi::Env env, Napi::Function callback) {
      std::shared_ptr<Datapath> core = weak.lock();
      if (!core || !env) return;
      std::vector<DpEvent> events = core->TakeEvents();
      if (events.empty()) return;
      Napi::Array list = Napi::Array::New(env, events.size());
      for (size_t i = 0; i < events.size(); i++) list.Set(static_cast<uint32_t>(i), EventObject(env, events[i]));
      callback.Call({list});
    };
    std::string error;
    bool ok = core_->Start(options_, [tsfn, deliver]() mutable { tsfn.NonBlockingCall(deliver); }, &error);
    if (!ok) {
      tsfn_.Release();
      tsfn_ = Napi::ThreadSafeFunction();
      ThrowError(env, "ERR_IPSEC_DATAPATH_START", error);
      return Napi::Value();
    }
    return env.Undefined();
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    StopCore();
    return info.Env().Undefined();
  }

  // addSa({ spi, direction, encr, keyBits, integ, encrKeymat, integKey?, esn, replayWindow, reqid, remoteAddress,
  //         remotePort, dst, selector, lifetimes?, replace?, mode? ('tunnel' | 'transport') })
  Napi::Value AddSa(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o;
    if (!GetObject(env, info[0], "sa", &o)) return Napi::Value();
    auto sa = std::make_shared<DpSa>();
    EspConfig c;
    uint32_t encr = 0, keyBits = 0, integ = 0;
    DpDirection dir;
    std::string remote;
    uint16_t remotePort = 0;
    if (!GetUint32(env, Prop(o, "spi"), "spi", &c.spi) || !GetDirection(env, Prop(o, "direction"), &dir) ||
        !GetUint32(env, Prop(o, "encr"), "encr", &encr) || !GetUint32(env, Prop(o, "keyBits"), "keyBits", &keyBits) ||
        !GetUint32(env, Prop(o, "integ"), "integ", &integ) ||
        !GetUint32(env, Prop(o, "replayWindow"), "replayWindow", &c.replayWindow) ||
        !GetUint32(env, Prop(o, "reqid"), "reqid", &sa->reqid) ||
        !GetString(env, Prop(o, "remoteAddress"), "remoteAddress", &remote) ||
        !GetPort(env, Prop(o, "remotePort"), "remotePort", &remotePort) ||
        !GetString(env, Prop(o, "dst"), "dst", &sa->dstText) || !GetSelector(env, Prop(o, "selector"), &sa->sel))
      return Napi::Value();
    Napi::Value mode = Prop(o, "mode");
    std::string modeText = "tunnel";
    if (!mode.IsUndefined() && !GetString(env, mode, "mode", &modeText)) return Napi::Value();
    if (modeText != "tunnel" && modeText != "transport")
      return ThrowError(env, "ERR_IPSEC_BAD_MODE", "mode must be tunnel or transport"), Napi::Value();
    sa->transport = modeText == "transport";
    if (sa->transport && sa->sel.family != (remote.find(':') == std::string::npos ? 4 : 6))
      return ThrowError(env, "ERR_IPSEC_BAD_SELECTOR", "a transport-mode selector has the outer address family"), Napi::Value();
    if (dir == DpDirection::kFwd) return ThrowError(env, "ERR_IPSEC_BAD_DIRECTION", "an SA is in or out"), Napi::Value();
    if (c.spi < 256) return ThrowError(env, "ERR_IPSEC_BAD_SPI", "SPI values 0..255 are reserved"), Napi::Value();
    SecretBytes* ek = SecretBytes::FromValue(env, Prop(o, "encrKeymat"));
    SecretBytes* ik = Prop(o, "integKey").IsUndefined() ? nullptr : SecretBytes::FromValue(env, Prop(o, "integKey"));
    if (!ek || (!Prop(o, "integKey").IsUndefined() && !ik)) {
      ThrowTypeError(env, "ERR_INVALID_ARG_TYPE", "encrKeymat and integKey must be SecretBytes");
      return Napi::Value();
    }
    if (!DpParseSockaddr(remote, remotePort, &sa->remote, &sa->remoteLength)) {
      ThrowError(env, "ERR_IPSEC_BAD_ADDRESS", "remoteAddress must be an IPv4 or IPv6 address");
      return Napi::Value();
    }
    Napi::Value lt = Prop(o, "lifetimes");
    if (!lt.IsUndefined()) {
      Napi::Object l;
      if (!GetObject(env, lt, "lifetimes", &l) || !GetU64(env, Prop(l, "softBytes"), "softBytes", &sa->lifetimes.softBytes) ||
          !GetU64(env, Prop(l, "hardBytes"), "hardBytes", &sa->lifetimes.hardBytes) ||
          !GetU64(env, Prop(l, "softPackets"), "softPackets", &sa->lifetimes.softPackets) ||
          !GetU64(env, Prop(l, "hardPackets"), "hardPackets", &sa->lifetimes.hardPackets))
        return Napi::Value();
    }
    c.outbound = dir == DpDirection::kOut;
    c.encr = static_cast<int>(encr);
    c.keyBits = static_cast<int>(keyBits);
    c.integ = static_cast<int>(integ);
    c.encrKeymat = ek->bytes().data();
    c.encrKeymatLength = ek->bytes().size();
    c.integKey = ik ? ik->bytes().data() : nullptr;
    c.integKeyLength = ik ? ik->bytes().size() : 0;
    c.esn = Prop(o, "esn").ToBoolean().Value();
    std::string error;
    sa->esp = EspSa::Create(c, &error);
    if (!sa->esp) return ThrowError(env, "ERR_IPSEC_ESP_CONFIG", error), Napi::Value();
    sa->spi = c.spi;
    sa->outbound = c.outbound;
    if (!core_->tables().AddSa(sa, Prop(o, "replace").ToBoolean().Value(), &error))
      return ThrowError(env, "ERR_IPSEC_SA_EXISTS", error), Napi::Value();
    return env.Undefined();
  }

  // delSa(spi, direction): the SA's keys are wiped once no worker holds it any more.
  Napi::Value DelSa(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t spi = 0;
    DpDirection dir;
    if (!GetUint32(env, info[0], "spi", &spi) || !GetDirection(env, info[1], &dir)) return Napi::Value();
    std::string error;
    if (!core_->tables().DelSa(spi, dir == DpDirection::kOut, &error))
      return ThrowError(env, "ERR_IPSEC_NO_SA", error), Napi::Value();
    return env.Undefined();
  }

  // saCounters(spi, direction) -> counters, or undefined if there is no such SA.
  Napi::Value SaCounters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint32_t spi = 0;
    DpDirection dir;
    if (!GetUint32(env, info[0], "spi", &spi) || !GetDirection(env, info[1], &dir)) return Napi::Value();
    std::shared_ptr<DpSa> sa = core_->tables().FindSa(spi, dir == DpDirection::kOut);
    if (!sa) return env.Undefined();
    EspCounterValues e = sa->esp->counters();
    Napi::Object o = Napi::Object::New(env);
    auto n = [&](const char* k, double v) { o.Set(k, Napi::Number::New(env, v)); };
    n("bytes", static_cast<double>(sa->bytes.load()));
    n("packets", static_cast<double>(sa->packets.load()));
    n("lastUsed", static_cast<double>(sa->lastUsed.load()));
    n("authFailures", static_cast<double>(e.authFailures));
    n("replayDrops", static_cast<double>(e.replayDrops + e.tooOld));
    n("malformed", static_cast<double>(e.malformed));
    n("selectorDrops", static_cast<double>(sa->selectorDrops.load()));
    o.Set("softExpired", Napi::Boolean::New(env, sa->softFired.load()));
    o.Set("hardExpired", Napi::Boolean::New(env, sa->hardFired.load()));
    return o;
  }

  // addPolicy({ selector, direction, action, priority, reqid, replace? })
  Napi::Value AddPolicy(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o;
    if (!GetObject(env, info[0], "policy", &o)) return Napi::Value();
    DpPolicy p;
    std::string action;
    if (!GetSelector(env, Prop(o, "selector"), &p.sel) || !GetDirection(env, Prop(o, "direction"), &p.direction) ||
        !GetString(env, Prop(o, "action"), "action", &action) ||
        !GetUint32(env, Prop(o, "priority"), "priority", &p.priority) || !GetUint32(env, Prop(o, "reqid"), "reqid", &p.reqid))
      return Napi::Value();
    static const char* const kActions[] = {"ipsec", "pass", "drop", "reject", "hold", "trap"};
    bool found = false;
    for (int i = 0; i < 6; i++)
      if (action == kActions[i]) p.action = static_cast<DpAction>(i), found = true;
    if (!found) return ThrowError(env, "ERR_IPSEC_BAD_ACTION", "action must be ipsec, pass, drop, reject, hold or trap"), Napi::Value();
    std::string error;
    if (!core_->tables().AddPolicy(p, Prop(o, "replace").ToBoolean().Value(), &error))
      return ThrowError(env, "ERR_IPSEC_POLICY_EXISTS", error), Napi::Value();
    return env.Undefined();
  }

  Napi::Value DelPolicy(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    DpSelector sel;
    DpDirection dir;
    if (!GetSelector(env, info[0], &sel) || !GetDirection(env, info[1], &dir)) return Napi::Value();
    std::string error;
    if (!core_->tables().DelPolicy(sel, dir, &error)) return ThrowError(env, "ERR_IPSEC_NO_POLICY", error), Napi::Value();
    return env.Undefined();
  }

  Napi::Value Flush(const Napi::CallbackInfo& info) {
    core_->tables().Flush();
    return info.Env().Undefined();
  }

  Napi::Value Counters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    for (int c = 0; c < kDpCounterCount; c++) o.Set(DpCounterName(c), Napi::Number::New(env, static_cast<double>(core_->counter(c))));
    return o;
  }

  // sendIke(message, address, port): the non-ESP marker is added here.
  Napi::Value SendIke(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ByteView data;
    std::string address;
    uint16_t port = 0;
    if (!GetBytes(env, info[0], "message", &data) || !GetString(env, info[1], "address", &address) ||
        !GetPort(env, info[2], "port", &port))
      return Napi::Value();
    sockaddr_storage to{};
    socklen_t toLength = 0;
    if (!DpParseSockaddr(address, port, &to, &toLength))
      return ThrowError(env, "ERR_IPSEC_BAD_ADDRESS", "address must be an IPv4 or IPv6 address"), Napi::Value();
    std::string error;
    if (!core_->SendIke(data.data, data.size, to, toLength, &error)) return ThrowError(env, "ERR_IPSEC_SEND", error), Napi::Value();
    return env.Undefined();
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("running", Napi::Boolean::New(env, core_->running()));
    o.Set("tunName", Napi::String::New(env, core_->tunName()));
    o.Set("offload", Napi::Boolean::New(env, core_->offload()));
    o.Set("port", Napi::Number::New(env, core_->localPort()));
    o.Set("queues", Napi::Number::New(env, core_->queues()));
    return o;
  }

 private:
  static Napi::Object EventObject(Napi::Env env, const DpEvent& e) {
    Napi::Object o = Napi::Object::New(env);
    if (e.type == DpEvent::kIke) {
      o.Set("type", "ike");
      o.Set("message", CopyToBuffer(env, e.data.data(), e.data.size()));
      o.Set("address", e.address);
      o.Set("port", Napi::Number::New(env, e.port));
    } else if (e.type == DpEvent::kAcquire) {
      o.Set("type", "acquire");
      o.Set("selector", SelectorObject(env, e.sel));
    } else {
      o.Set("type", "expire");
      o.Set("spi", Napi::Number::New(env, e.spi));
      o.Set("dst", e.address);
      o.Set("hard", Napi::Boolean::New(env, e.hard));
      o.Set("direction", e.outbound ? "out" : "in");
    }
    return o;
  }

  void StopCore() {
    if (core_) core_->Stop();
    if (tsfn_) {
      tsfn_.Release();
      tsfn_ = Napi::ThreadSafeFunction();
    }
  }

  DpOptions options_;
  std::shared_ptr<Datapath> core_;
  Napi::FunctionReference onEvent_;
  Napi::ThreadSafeFunction tsfn_;
};

}  // namespace

void InitDatapath(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DatapathWrap::DefineClass(
      env, kCtorName,
      {DatapathWrap::InstanceMethod<&DatapathWrap::Start>("start"), DatapathWrap::InstanceMethod<&DatapathWrap::Stop>("stop"),
       DatapathWrap::InstanceMethod<&DatapathWrap::AddSa>("addSa"), DatapathWrap::InstanceMethod<&DatapathWrap::DelSa>("delSa"),
       DatapathWrap::InstanceMethod<&DatapathWrap::SaCounters>("saCounters"),
       DatapathWrap::InstanceMethod<&DatapathWrap::AddPolicy>("addPolicy"),
       DatapathWrap::InstanceMethod<&DatapathWrap::DelPolicy>("delPolicy"),
       DatapathWrap::InstanceMethod<&DatapathWrap::Flush>("flush"),
       DatapathWrap::InstanceMethod<&DatapathWrap::Counters>("counters"),
       DatapathWrap::InstanceMethod<&DatapathWrap::SendIke>("sendIke"),
       DatapathWrap::InstanceMethod<&DatapathWrap::Info>("info")});
  GetAddonData(env)->constructors[kCtorName] = Napi::Persistent(ctor);
  exports.Set(kCtorName, ctor);
  exports.Set("datapathSelectorMatches", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    // For unit tests of the matcher: (selector, packet bytes) -> boolean, or null if the bytes are not IP.
    Napi::Env env = info.Env();
    DpSelector sel;
    ByteView pkt;
    if (!GetSelector(env, info[0], &sel) || !GetBytes(env, info[1], "packet", &pkt)) return Napi::Value();
    DpFlow flow;
    if (!DpParseFlow(pkt.data, pkt.size, &flow)) return env.Null();
    return Napi::Boolean::New(env, DpSelectorMatches(sel, flow));
  }));
}
