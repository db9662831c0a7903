{
  "targets": [
    {
      "target_name": "ipsec_native",
      "sources": [
        "native/addon.cc",
        "native/common.cc",
        "native/secret.cc",
        "native/dh.cc",
        "native/helpers.cc",
        "native/prf.cc",
        "native/aead.cc",
        "native/esp.cc",
        "native/esp_chacha.cc",
        "native/esp_hmac.cc",
        "native/esp_transform.cc",
        "native/kernel_socket.cc",
        "native/netlink.cc",
        "native/pfkey.cc",
        "native/replay.cc",
        "native/xcbc.cc",
        "native/datapath.cc",
        "native/datapath_core.cc",
        "native/datapath_outbound.cc",
        "native/datapath_inbound.cc",
        "native/datapath_tables.cc",
        "native/datapath_packet.cc",
        "native/datapath_gro.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS", "OPENSSL_API_COMPAT=30000", "OPENSSL_NO_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++14", "-std=gnu++1y"],
      "cflags": ["-Wall", "-Wextra", "-O3"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-O3", "-fno-exceptions", "-pthread"],
      "ldflags": ["-pthread"]
    }
  ]
}
