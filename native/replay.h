#pragma once

#include <napi.h>

void InitReplay(Napi::Env env, Napi::Object exports);
