import CBLAS

/// Dense layers as flat-buffer function pairs (llm.c style), every product through `cblas_sgemm`.
/// Weight layout is [C, OC] row-major (input features → output features).

/// out[N, OC] = inp[N, C] · weight[C, OC] + bias[OC]
@inline(__always)
func matmulForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                   _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                   _ N: Int, _ C: Int, _ OC: Int) {
    if let bias {
        for n in 0..<N { (out + n * OC).update(from: bias, count: OC) }
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(N), Int32(OC), Int32(C),
                1, inp, Int32(C), weight, Int32(OC), bias == nil ? 0 : 1, out, Int32(OC))
}

/// Backward of `matmulForward`, accumulating into the gradients:
/// dinp[N, C] += dout · weightᵀ;  dweight[C, OC] += inpᵀ · dout;  dbias[OC] += Σₙ dout.
/// `dweight`/`dbias` nil skips the parameter gradients (attribution needs only dinp).
@inline(__always)
func matmulBackward(_ dinp: UnsafeMutablePointer<Float>?, _ dweight: UnsafeMutablePointer<Float>?,
                    _ dbias: UnsafeMutablePointer<Float>?, _ dout: UnsafePointer<Float>,
                    _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                    _ N: Int, _ C: Int, _ OC: Int) {
    if let dinp {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(N), Int32(C), Int32(OC),
                    1, dout, Int32(OC), weight, Int32(OC), 1, dinp, Int32(C))
    }
    if let dweight {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(C), Int32(OC), Int32(N),
                    1, inp, Int32(C), dout, Int32(OC), 1, dweight, Int32(OC))
    }
    if let dbias {
        for n in 0..<N {
            let row = dout + n * OC
            for o in 0..<OC { dbias[o] += row[o] }
        }
    }
}
