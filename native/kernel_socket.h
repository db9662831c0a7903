// What the kernel sockets (netlink in netlink.cc, PF_KEY in pfkey.cc) share on the JavaScript thread: a
// non-blocking socket watched by a uv_poll, every datagram the kernel sends handed to onDatagram(err, buffer),
// and the send of a request into which secret key bytes are patched natively (they never enter JS memory).
//
// KernelSocketFd is the plain C++ part each socket kind implements (open, send, receive differ: netlink binds
// and checks the sender, PF_KEY just reads); KernelSocketPoller is the uv_poll plumbing an ObjectWrap owns.
#pragma once

#include <napi.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

class KernelSocketFd {
 public:
  virtual ~KernelSocketFd() = default;
  virtual int fd() const = 0;
  // Sends one datagram. Returns 0 or an errno value.
  virtual int Send(const uint8_t* data, size_t size) const = 0;
  // Reads one datagram without blocking: its length, 0 for one to ignore (e.g. not from the kernel),
  // -EAGAIN when nothing is queued, -EMSGSIZE when it did not fit, or another -errno.
  virtual long Receive(uint8_t* buf, size_t size) const = 0;
};

// Names that make the errors say which socket failed.
struct KernelSocketNames {
  const char* resource;     // "NetlinkSocket": the async resource name
  const char* errorCode;    // "ERR_NETLINK_SOCKET": the code of errno errors
  const char* closedCode;   // "ERR_NETLINK_CLOSED"
  const char* what;         // "netlink socket": in messages
  const char* sendSyscall;  // "sendto"
  const char* recvSyscall;  // "recvmsg"
};

// An Error with code, errno and syscall properties, as Node's own socket errors have.
Napi::Error KernelSocketError(Napi::Env env, const char* code, const char* syscall, int err);

class KernelSocketPoller {
 public:
  KernelSocketPoller() = default;
  ~KernelSocketPoller() { Close(); }
  KernelSocketPoller(const KernelSocketPoller&) = delete;
  KernelSocketPoller& operator=(const KernelSocketPoller&) = delete;

  // Watches `fd` (already open) and delivers to `onDatagram`. False with a pending exception on failure
  // (the fd is closed then).
  bool Start(Napi::Env env, std::unique_ptr<KernelSocketFd> fd, Napi::Function onDatagram, const KernelSocketNames& names,
             size_t receiveSize);
  // send(message, patches?: Array<[offset, SecretBytes]>) from JavaScript; `check` validates the message's
  // length (false with a pending exception). Sets a pending exception on failure.
  void Send(const Napi::CallbackInfo& info, bool (*check)(Napi::Env env, size_t size));
  void Close();
  void Ref();
  void Unref();
  bool closed() const { return state_ == nullptr; }
  // The socket, or null when closed.
  const KernelSocketFd* fd() const;

 private:
  // Owned by libuv from uv_poll_init until its close callback: it outlives the poller (and the JavaScript
  // object) when that goes while the handle is still closing. The fd is closed with it.
  struct PollState {
    uv_poll_t handle;
    KernelSocketPoller* owner = nullptr;
    std::unique_ptr<KernelSocketFd> fd;
  };

  static void OnReadable(uv_poll_t* handle, int status, int events);
  // Calls onDatagram for each queued datagram (at most a batch per wake); stops when the callback closed us.
  void Drain(int status);
  void Deliver(Napi::Value err, Napi::Value data);

  napi_env env_ = nullptr;
  const KernelSocketNames* names_ = nullptr;
  PollState* state_ = nullptr;
  Napi::FunctionReference callback_;
  std::unique_ptr<Napi::AsyncContext> context_;
  std::vector<uint8_t> buffer_;
};
