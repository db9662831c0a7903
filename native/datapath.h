// The userspace ESP data path's N-API class (the core is datapath_core.h, the tables datapath_tables.h).
#pragma once

#include <napi.h>

void InitDatapath(Napi::Env env, Napi::Object exports);
