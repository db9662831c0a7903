#pragma once

#include <napi.h>

void InitHelpers(Napi::Env env, Napi::Object exports);
