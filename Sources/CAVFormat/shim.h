// FFmpeg for Swift: the headers the video services use, plus static inline wrappers for the
// function-like and compound macros that do not import (AVERROR, AV_NOPTS_VALUE, AV_TIME_BASE_Q…).
#ifndef OUTPOST_CAVFORMAT_SHIM_H
#define OUTPOST_CAVFORMAT_SHIM_H

#include <errno.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libswresample/swresample.h>

static inline int outpost_averror(int posixError) { return AVERROR(posixError); }
static inline int outpost_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int outpost_averror_enomem(void) { return AVERROR(ENOMEM); }
static inline int outpost_averror_eof(void) { return AVERROR_EOF; }
static inline int outpost_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int outpost_averror_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
static inline int outpost_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int64_t outpost_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int64_t outpost_av_time_base(void) { return AV_TIME_BASE; }
static inline AVRational outpost_av_time_base_q(void) { return AV_TIME_BASE_Q; }
static inline int outpost_ff_qp2lambda(void) { return FF_QP2LAMBDA; }
static inline int outpost_codec_flag_qscale(void) { return AV_CODEC_FLAG_QSCALE; }
static inline int outpost_avseek_flag_backward(void) { return AVSEEK_FLAG_BACKWARD; }
static inline int outpost_av_log_quiet(void) { return AV_LOG_QUIET; }
static inline int outpost_av_log_error(void) { return AV_LOG_ERROR; }
static inline int outpost_av_log_warning(void) { return AV_LOG_WARNING; }
static inline int outpost_sws_bicubic(void) { return SWS_BICUBIC; }
static inline int outpost_codec_flag_global_header(void) { return AV_CODEC_FLAG_GLOBAL_HEADER; }
static inline int outpost_avfmt_globalheader(void) { return AVFMT_GLOBALHEADER; }
static inline int outpost_avfmt_nofile(void) { return AVFMT_NOFILE; }
static inline int outpost_avio_flag_write(void) { return AVIO_FLAG_WRITE; }
static inline int outpost_codec_cap_variable_frame_size(void) { return AV_CODEC_CAP_VARIABLE_FRAME_SIZE; }

// sws_getContext cannot take colour ranges, and setting them afterwards does not reach the
// unscaled fast paths chosen at init; so set them as options before sws_init_context.
static inline struct SwsContext *outpost_sws_context(int srcW, int srcH, enum AVPixelFormat srcFormat, int srcFullRange,
                                                     int dstW, int dstH, enum AVPixelFormat dstFormat, int dstFullRange,
                                                     int flags) {
    struct SwsContext *context = sws_alloc_context();
    if (!context) return NULL;
    if (av_opt_set_int(context, "srcw", srcW, 0) < 0 || av_opt_set_int(context, "srch", srcH, 0) < 0 ||
        av_opt_set_int(context, "src_format", srcFormat, 0) < 0 || av_opt_set_int(context, "src_range", srcFullRange, 0) < 0 ||
        av_opt_set_int(context, "dstw", dstW, 0) < 0 || av_opt_set_int(context, "dsth", dstH, 0) < 0 ||
        av_opt_set_int(context, "dst_format", dstFormat, 0) < 0 || av_opt_set_int(context, "dst_range", dstFullRange, 0) < 0 ||
        av_opt_set_int(context, "sws_flags", flags, 0) < 0 || sws_init_context(context, NULL, NULL) < 0) {
        sws_freeContext(context);
        return NULL;
    }
    return context;
}

#endif
