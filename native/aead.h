#pragma once

#include <napi.h>

void InitAead(Napi::Env env, Napi::Object exports);
