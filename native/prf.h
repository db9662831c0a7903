#pragma once

#include <napi.h>

void InitPrf(Napi::Env env, Napi::Object exports);
