#pragma once
// All differentiable ops on Vars.
#include "autograd/checkpoint.h"
#include "autograd/ops_elementwise.h"
#include "autograd/ops_matmul.h"
#include "autograd/ops_shape.h"
#include "autograd/variable.h"
