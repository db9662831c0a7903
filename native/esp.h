#pragma once

#include <napi.h>

void InitEsp(Napi::Env env, Napi::Object exports);
