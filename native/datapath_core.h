// The userspace ESP data path (RFC 4303 in UDP, RFC 3948): a TUN device, UDP sockets on 4500 and worker threads.
// Outbound: TUN → policy → SA → seal → sendmmsg / UDP GSO. Inbound: recvmmsg → keep-alive / IKE (non-ESP marker,
// handed up as events) / ESP → open → selector check → TUN. Tunnel mode (an inner IP packet) or transport mode
// (RFC 4303 §3.1.1: the IP header is taken off before sealing and rebuilt after opening). Plain C++: no napi here.
//
// One queue per worker: an IFF_MULTI_QUEUE TUN fd (the kernel keeps a flow on one queue) and an SO_REUSEPORT
// socket (the kernel keeps a peer's datagrams on one socket), each with an outbound and an inbound thread.
// An SA may be reached from several queues: its `lock` serialises its EspSa (sequence numbers, replay window,
// cipher contexts). Outbound, a worker seals a batch holding it and takes a send ticket, so batches leave in
// sequence-number order and the peer's replay window never sees another queue's batch overtake (see
// datapath_outbound.cc). Tables are snapshots swapped by the control plane (datapath_tables.h).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "datapath_packet.h"
#include "datapath_tables.h"

// Global drop and event counters, by reason.
enum DpCounter : int {
  kDpTunPackets = 0,   // packets read from the TUN
  kDpSent,             // ESP datagrams sent
  kDpReceived,         // UDP datagrams received
  kDpDelivered,        // inner packets written to the TUN
  kDpNoPolicy,         // outbound packet matched no policy
  kDpPolicyPass,       // %pass: not tunnelled (dropped here, the kernel routes it outside the TUN)
  kDpPolicyDrop,
  kDpPolicyReject,
  kDpPolicyHold,
  kDpAcquires,
  kDpNoSa,             // ipsec policy without an outbound SA
  kDpExpired,          // SA past its hard lifetime
  kDpSealErrors,
  kDpSendErrors,
  kDpKeepalives,
  kDpIke,
  kDpBadSpi,
  kDpAuth,
  kDpReplay,
  kDpMalformed,        // too short, bad padding, bad ESP framing, inner not IP
  kDpSelector,         // inner packet outside the SA's selector
  kDpTunWriteErrors,
  kDpNotIp,            // TUN gave us something that is not IPv4/IPv6
  kDpIkeQueueFull,
  kDpUnsupported,      // transport mode cannot carry it (an IPv4 fragment)
  kDpCounterCount
};
const char* DpCounterName(int counter);

struct DpEvent {
  enum Type { kIke, kAcquire, kExpire } type = kIke;
  std::vector<uint8_t> data;  // IKE: the message without the marker
  std::string address;        // IKE: the sender; expire: the SA's destination
  uint16_t port = 0;
  uint32_t spi = 0;
  bool hard = false;
  bool outbound = false;
  DpSelector sel;  // acquire: the packet's flow as a host selector
};

struct DpOptions {
  std::string tunName;
  std::string localAddress;
  uint16_t port = 4500;
  unsigned mtu = 1400;
  bool offload = true;  // IFF_VNET_HDR + TSO/USO on the TUN, UDP_SEGMENT / UDP_GRO on the socket
  unsigned queues = 1;  // TUN queues = sockets = worker pairs; 1 = a plain (single-queue) TUN
};

class Datapath {
 public:
  Datapath() = default;
  ~Datapath() { Stop(); }
  Datapath(const Datapath&) = delete;
  Datapath& operator=(const Datapath&) = delete;

  // Opens the TUN and the socket and starts the workers. False with `error` (errno text) on failure.
  bool Start(const DpOptions& options, std::function<void()> notify, std::string* error);
  // Stops and joins the workers, closes the devices. Idempotent.
  void Stop();
  bool running() const { return running_.load(); }
  const std::string& tunName() const { return tunName_; }
  bool offload() const { return vnetHdr_; }
  // The UDP port the socket is bound to (the kernel's choice when the options asked for 0).
  uint16_t localPort() const { return localPort_; }
  unsigned queues() const { return static_cast<unsigned>(tuns_.size()); }

  DpTables& tables() { return tables_; }
  uint64_t counter(int c) const { return counters_[c].load(std::memory_order_relaxed); }
  // The events queued since the last call (the JS thread drains them when notified).
  std::vector<DpEvent> TakeEvents();
  // Sends an IKE message from the data path's socket with the non-ESP marker in front.
  bool SendIke(const uint8_t* data, size_t length, const sockaddr_storage& to, socklen_t toLength, std::string* error);

 private:
  void OutboundLoop(size_t queue);  // datapath_outbound.cc
  void InboundLoop(size_t queue);   // datapath_inbound.cc
  void Push(DpEvent&& event);
  void Count(int c, uint64_t n = 1) { counters_[c].fetch_add(n, std::memory_order_relaxed); }
  // Lifetime accounting after a packet went through `sa`; false once past the hard limit.
  void Account(DpSa* sa, size_t bytes, int64_t now);
  bool OpenDevices(const DpOptions& options, std::string* error);
  bool OpenQueue(const DpOptions& options, bool first, std::string* error);
  // The TUN queue a packet is written to: by a symmetric hash of its flow, so that the kernel (which sends a
  // flow out on the queue its packets last came in on) spreads flows over the queues.
  int TunFor(const uint8_t* packet, size_t length) const;
  void CloseDevices();
  void Reject(const uint8_t* packet, size_t length);
  void WriteTun(const uint8_t* packet, size_t length);
  void WriteTunWith(const DpVnetHdr& hdr, const uint8_t* packet, size_t length);

  DpTables tables_;
  std::atomic<bool> running_{false};
  std::vector<std::thread> threads_;
  std::vector<int> tuns_, socks_;  // one per queue
  int stopFd_ = -1;
  int sockFamily_ = AF_INET;
  uint8_t localAddr_[16] = {0};  // the bound address (transport mode rebuilds inbound IP headers with it)
  bool localWildcard_ = true;
  bool vnetHdr_ = false;
  bool gso_ = false;
  unsigned mtu_ = 1400;
  std::string tunName_;
  uint16_t localPort_ = 0;
  std::atomic<uint64_t> counters_[kDpCounterCount]{};

  std::mutex eventsMutex_;
  std::vector<DpEvent> events_;
  std::function<void()> notify_;
};
