#pragma once

#include <napi.h>

void InitDh(Napi::Env env, Napi::Object exports);
